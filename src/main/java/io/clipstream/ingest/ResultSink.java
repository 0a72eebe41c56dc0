package io.clipstream.ingest;

import io.clipstream.detect.Decision;

/**
 * Receives each processed sample's result on the shard agent's thread. Implementations must not block for long
 * (the shard stops while they run) and must not retain arguments beyond the call (there is nothing to retain:
 * every argument is a primitive or a constant). An exception thrown here is counted in
 * {@link IngestMetrics#errors()} and reported to the pipeline's error handler; the sample's state change stands
 * and processing continues with the next sample.
 */
@FunctionalInterface
public interface ResultSink {

    /**
     * One sample's result.
     *
     * @param key the entity key
     * @param tag the producer's tag, passed through unchanged (a request id, a timestamp)
     * @param score {@code ||x - theta||} before the update (NaN for a key's first sample)
     * @param level the score in units of the key's typical score (NaN while the key has too few samples)
     * @param decision ANOMALY, BENIGN or ABSTAIN
     */
    void onResult(long key, long tag, double score, double level, Decision decision);

    /** A sink that ignores everything. */
    ResultSink NONE = (key, tag, score, level, decision) -> { };
}
