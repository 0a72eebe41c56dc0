package io.clipstream;

/** What an estimator estimates. */
public enum Task {
    /** The mean (location) of the samples: {@code l = 1/2 ||x - theta||^2}. */
    MEAN,
    /** Linear regression: {@code l = 1/2 (y - w.x)^2}. */
    LINEAR,
    /** Binary logistic regression: {@code l = log(1 + exp(-y w.x))}, {@code y in {-1, +1}}. */
    LOGISTIC,
    /** Multinomial (softmax) logistic regression over {@code K} classes. */
    SOFTMAX,
    /** A user-supplied strongly convex loss ({@link Loss}). */
    CUSTOM
}
