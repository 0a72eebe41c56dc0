package io.clipstream.ingest;

/**
 * What {@link IngestPipeline#offer} and {@link Publisher#commit} do with a sample of the wrong length or with a
 * NaN or infinite value. Either way the sample is not published, nothing else changes, and
 * {@link IngestMetrics#rejected()} counts it.
 */
public enum BadSamplePolicy {
    /** Throw an {@link IllegalArgumentException} naming the key, the index and the value (the default). */
    THROW,
    /** Return false; the caller tells a rejection from a full ring by the counters. */
    COUNT
}
