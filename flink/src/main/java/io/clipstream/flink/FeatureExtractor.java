package io.clipstream.flink;

import java.io.Serializable;

/**
 * Turns a stream element into the sample its key's detector sees. Flink ships it with the operator, so it must be
 * serializable (a lambda or method reference of this interface is).
 *
 * @param <T> the element type
 */
@FunctionalInterface
public interface FeatureExtractor<T> extends Serializable {

    /**
     * The features of {@code element}: an array of the configured dimension {@code d}. It is read before the next
     * call and never kept, so the element's own array or one reused buffer may be returned. A null, wrongly sized
     * or non-finite sample is rejected and counted (see {@link ClipstreamFlink}); an exception thrown here is a
     * bug in the extractor and fails the task.
     */
    float[] features(T element);
}
