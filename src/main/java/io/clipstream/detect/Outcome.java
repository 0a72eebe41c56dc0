package io.clipstream.detect;

/**
 * The result of {@link AnomalyDetector#process}: one mutable instance per detector, overwritten by every call, so
 * processing allocates nothing. Copy what you need before the next call; do not share it across threads.
 */
public final class Outcome {
    long index;
    double score;
    double lower;
    double upper;
    Decision decision;
    boolean changeDetected;
    boolean updated;

    Outcome() {
    }

    /** The 0-based number of the sample among those the detector processed. */
    public long index() {
        return index;
    }

    /** The sample's score against the estimate before any update (see the estimator's task for its meaning). */
    public double score() {
        return score;
    }

    /** The lower end of the threshold interval the decision used ({@code -Infinity} while not yet finite). */
    public double lower() {
        return lower;
    }

    /** The upper end of the threshold interval the decision used ({@code +Infinity} while not yet finite). */
    public double upper() {
        return upper;
    }

    /** The decision. */
    public Decision decision() {
        return decision;
    }

    /** Whether the change test fired on this sample (the score history was reset). */
    public boolean changeDetected() {
        return changeDetected;
    }

    /** Whether the estimator was updated with this sample. */
    public boolean updated() {
        return updated;
    }

    @Override
    public String toString() {
        return "Outcome[index=" + index + ", score=" + score + ", interval=[" + lower + ", " + upper + "], decision="
                + decision + (changeDetected ? ", change" : "") + (updated ? "" : ", not updated") + "]";
    }
}
