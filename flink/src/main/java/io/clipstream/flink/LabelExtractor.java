package io.clipstream.flink;

import java.io.Serializable;

/**
 * The label of a stream element, for the tasks that need one: the target {@code y} of a linear regression, the class
 * of a logistic (0 or 1) or softmax ({@code 0 .. classes - 1}) regression. Must be serializable (a lambda or method
 * reference of this interface is).
 *
 * @param <T> the element type
 */
@FunctionalInterface
public interface LabelExtractor<T> extends Serializable {

    /**
     * The label of {@code element}. For classifiers it must be a whole number in the task's range; a label that is
     * not (or a non-finite target) rejects the sample, which is counted (see {@link ClipstreamFlink}); an exception
     * thrown here (a {@link NumberFormatException} from parsing a label included) is a bug in the extractor and
     * fails the task.
     */
    double label(T element);
}
