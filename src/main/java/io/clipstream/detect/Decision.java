package io.clipstream.detect;

/** What a detector concluded about one sample. */
public enum Decision {
    /** The score is above the confidence interval of the threshold quantile. */
    ANOMALY,
    /** The score is below the interval. */
    BENIGN,
    /** The score is inside the interval: not enough evidence either way yet. */
    ABSTAIN
}
