package io.clipstream.flink;

import io.clipstream.Estimator;
import io.clipstream.Task;
import io.clipstream.detect.AnomalyDetector;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What a fresh per-key detector is built from: the prototype estimator's snapshot (the library's own format,
 * which carries the task, shape, step size and clip policy) and the detector's threshold settings. Immutable and
 * validated on construction; the part of {@link DetectorConfig} that the state serializer depends on, so two
 * serializers are equal exactly when their templates are.
 */
final class DetectorTemplate implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Longest template accepted when reading a serializer snapshot (a d = 2^28 estimator is 1 GiB). */
    private static final int MAX_TEMPLATE_BYTES = Integer.MAX_VALUE - 64;

    private final byte[] estimator;
    private final double quantile;
    private final double confidence;
    private final boolean skipUpdateOnAnomaly;
    private final boolean detectChanges;
    private final double changeQuantile;
    private final int blockLength;
    private final Task task;
    private final int dimension;
    private final int classes;

    /**
     * Validates every part by building a detector from it once.
     *
     * @throws IllegalArgumentException if the estimator bytes are not a valid non-custom snapshot or a threshold
     *     setting is out of range (the library's message)
     */
    DetectorTemplate(byte[] estimator, double quantile, double confidence, boolean skipUpdateOnAnomaly,
                     boolean detectChanges, double changeQuantile, int blockLength) {
        this.estimator = estimator.clone();
        this.quantile = quantile;
        this.confidence = confidence;
        this.skipUpdateOnAnomaly = skipUpdateOnAnomaly;
        this.detectChanges = detectChanges;
        this.changeQuantile = changeQuantile;
        this.blockLength = blockLength;
        AnomalyDetector probe = newDetector();
        Estimator e = probe.estimator();
        this.task = e.task();
        this.dimension = e.dimension();
        this.classes = e.config().classes();
    }

    /** A new detector in the template's state (every call builds an independent one). */
    AnomalyDetector newDetector() {
        return AnomalyDetector.builder(Estimator.restore(estimator))
                .quantile(quantile)
                .confidence(confidence)
                .skipUpdateOnAnomaly(skipUpdateOnAnomaly)
                .detectChanges(detectChanges)
                .changeQuantile(changeQuantile)
                .blockLength(blockLength)
                .build();
    }

    Task task() {
        return task;
    }

    int dimension() {
        return dimension;
    }

    int classes() {
        return classes;
    }

    double quantile() {
        return quantile;
    }

    double confidence() {
        return confidence;
    }

    boolean skipUpdateOnAnomaly() {
        return skipUpdateOnAnomaly;
    }

    boolean detectChanges() {
        return detectChanges;
    }

    double changeQuantile() {
        return changeQuantile;
    }

    int blockLength() {
        return blockLength;
    }

    /** Length of the prototype estimator's snapshot: per-key state of this shape is about this plus the threshold. */
    int estimatorSnapshotLength() {
        return estimator.length;
    }

    /** Whether state written for {@code other} can be read as state of this template (same task and shape). */
    boolean sameShape(DetectorTemplate other) {
        return task == other.task && dimension == other.dimension && classes == other.classes;
    }

    /** Short description of the shape, for messages: {@code MEAN d=16} or {@code SOFTMAX d=8 classes=3}. */
    String shape() {
        return task + " d=" + dimension + (task == Task.SOFTMAX ? " classes=" + classes : "");
    }

    // ------------------------------------------------------------------ serializer snapshots

    /** Writes the template for a serializer snapshot (version 1 layout, read by {@link #read}). */
    void write(DataOutputView out) throws IOException {
        out.writeInt(estimator.length);
        out.write(estimator);
        out.writeDouble(quantile);
        out.writeDouble(confidence);
        out.writeBoolean(skipUpdateOnAnomaly);
        out.writeBoolean(detectChanges);
        out.writeDouble(changeQuantile);
        out.writeInt(blockLength);
    }

    /**
     * Reads and validates a template written by {@link #write}.
     *
     * @throws IOException if the bytes are truncated or do not describe a valid detector
     */
    static DetectorTemplate read(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_TEMPLATE_BYTES) {
            throw new IOException("clipstream serializer snapshot: bad estimator template length " + n);
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        double q = in.readDouble();
        double a = in.readDouble();
        boolean skip = in.readBoolean();
        boolean changes = in.readBoolean();
        double cq = in.readDouble();
        int block = in.readInt();
        try {
            return new DetectorTemplate(bytes, q, a, skip, changes, cq, block);
        } catch (IllegalArgumentException e) {
            throw new IOException("clipstream serializer snapshot holds an invalid detector template: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorTemplate t && Arrays.equals(estimator, t.estimator)
                && Double.compare(quantile, t.quantile) == 0 && Double.compare(confidence, t.confidence) == 0
                && skipUpdateOnAnomaly == t.skipUpdateOnAnomaly && detectChanges == t.detectChanges
                && Double.compare(changeQuantile, t.changeQuantile) == 0 && blockLength == t.blockLength;
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(estimator);
        h = 31 * h + Double.hashCode(quantile);
        h = 31 * h + Double.hashCode(confidence);
        h = 31 * h + Boolean.hashCode(skipUpdateOnAnomaly);
        h = 31 * h + Boolean.hashCode(detectChanges);
        h = 31 * h + Double.hashCode(changeQuantile);
        return 31 * h + blockLength;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s, quantile %s, confidence %s%s%s", shape(), quantile, confidence,
                skipUpdateOnAnomaly ? ", skip update on anomaly" : "",
                detectChanges ? ", change test (quantile " + changeQuantile + ", block " + blockLength + ")"
                        : ", no change test");
    }
}
