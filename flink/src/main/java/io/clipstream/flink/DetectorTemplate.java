package io.clipstream.flink;

import io.clipstream.Estimator;
import io.clipstream.EstimatorConfig;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import java.io.EOFException;
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

    /** The detector builder's defaults, which a version-1 template (no method settings) is read with. */
    static final int DEFAULT_WARMUP = 500;
    static final int DEFAULT_MAX_PEAKS = 256;

    /**
     * Longest prototype snapshot a serializer snapshot can hold: the library's largest estimator
     * ({@link EstimatorConfig#MAX_PARAMETERS} floats) with the longest rolling clip window (2^20 floats), its
     * 152-byte header and checksum rounded up to 1 KiB; about 1 GiB. A longer length is damage.
     */
    private static final int MAX_TEMPLATE_BYTES = 4 * EstimatorConfig.MAX_PARAMETERS + 4 * (1 << 20) + 1024;

    /**
     * The prototype's bytes are read in pieces of at most this size (the array doubling as they arrive), so that a
     * damaged length below {@link #MAX_TEMPLATE_BYTES} on a snapshot that ends early costs about the bytes that are
     * there, not the gigabyte it claims.
     */
    private static final int READ_CHUNK = 1 << 16;

    private final byte[] estimator;
    private final AdaptiveThreshold.Method method;
    private final int warmup;
    private final double levelRate;
    private final int maxPeaks;
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
     * Whether peaks over threshold below {@link AdaptiveThreshold#MIN_PEAKS_QUANTILE} is accepted, as earlier
     * versions did: true for a template read from a serializer snapshot (so a checkpoint of such a job restores)
     * and for a configuration that asks for it by name. Not part of equality.
     */
    private final boolean acceptEarlierPeaksQuantile;

    /**
     * Validates every part by building a detector from it once.
     *
     * @throws IllegalArgumentException if the estimator bytes are not a valid non-custom snapshot or a threshold
     *     setting is out of range (the library's message)
     */
    DetectorTemplate(byte[] estimator, AdaptiveThreshold.Method method, int warmup, double levelRate, int maxPeaks,
                     double quantile, double confidence, boolean skipUpdateOnAnomaly, boolean detectChanges,
                     double changeQuantile, int blockLength, boolean acceptEarlierPeaksQuantile) {
        this.acceptEarlierPeaksQuantile = acceptEarlierPeaksQuantile;
        this.estimator = estimator.clone();
        this.method = method;
        this.warmup = warmup;
        this.levelRate = levelRate;
        this.maxPeaks = maxPeaks;
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
                .method(method)
                .warmup(warmup)
                .levelRate(levelRate)
                .maxPeaks(maxPeaks)
                .quantile(quantile)
                .confidence(confidence)
                .skipUpdateOnAnomaly(skipUpdateOnAnomaly)
                .detectChanges(detectChanges)
                .changeQuantile(changeQuantile)
                .blockLength(blockLength)
                .acceptEarlierPeaksQuantile(acceptEarlierPeaksQuantile)
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

    AdaptiveThreshold.Method method() {
        return method;
    }

    int warmup() {
        return warmup;
    }

    double levelRate() {
        return levelRate;
    }

    int maxPeaks() {
        return maxPeaks;
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

    /**
     * Writes the template for a serializer snapshot (version 2 layout, read by {@link #read}): version 1's fields,
     * then the threshold method's name, warm-up, level rate and peaks kept.
     */
    void write(DataOutputView out) throws IOException {
        out.writeInt(estimator.length);
        out.write(estimator);
        out.writeDouble(quantile);
        out.writeDouble(confidence);
        out.writeBoolean(skipUpdateOnAnomaly);
        out.writeBoolean(detectChanges);
        out.writeDouble(changeQuantile);
        out.writeInt(blockLength);
        out.writeUTF(method.name());
        out.writeInt(warmup);
        out.writeDouble(levelRate);
        out.writeInt(maxPeaks);
    }

    /**
     * Reads and validates a template written by {@link #write} ({@code version} 2), or by version 1, which had no
     * method settings (never released; it built the detector's defaults, which is what it reads as). Settings an
     * earlier version accepted and the builders now refuse (peaks over threshold below p = 0.75) are read as
     * written, so that the checkpoint restores; a job's new configuration still goes through the builders' checks.
     *
     * @throws IOException if the bytes are truncated or do not describe a valid detector
     */
    static DetectorTemplate read(DataInputView in, int version) throws IOException {
        byte[] bytes = readEstimator(in, in.readInt());
        double q = in.readDouble();
        double a = in.readDouble();
        boolean skip = in.readBoolean();
        boolean changes = in.readBoolean();
        double cq = in.readDouble();
        int block = in.readInt();
        AdaptiveThreshold.Method method = AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD;
        int warmup = DEFAULT_WARMUP;
        double levelRate = 0;
        int maxPeaks = DEFAULT_MAX_PEAKS;
        if (version >= 2) {
            String name = in.readUTF();
            try {
                method = AdaptiveThreshold.Method.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new IOException("clipstream serializer snapshot names an unknown threshold method: " + name, e);
            }
            warmup = in.readInt();
            levelRate = in.readDouble();
            maxPeaks = in.readInt();
        }
        try {
            return new DetectorTemplate(bytes, method, warmup, levelRate, maxPeaks, q, a, skip, changes, cq, block,
                    true);
        } catch (IllegalArgumentException e) {
            throw new IOException("clipstream serializer snapshot holds an invalid detector template: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The prototype estimator's {@code n} snapshot bytes, allocated as they arrive rather than from {@code n}: a
     * damaged length fails with an {@link IOException} that names it, never with an {@link OutOfMemoryError}.
     */
    private static byte[] readEstimator(DataInputView in, int n) throws IOException {
        if (n < 0 || n > MAX_TEMPLATE_BYTES) {
            throw new IOException("clipstream serializer snapshot: impossible estimator template length " + n
                    + " (0 to " + MAX_TEMPLATE_BYTES + "): the snapshot is damaged");
        }
        byte[] bytes = new byte[Math.min(n, READ_CHUNK)];
        int read = 0;
        while (true) {
            try {
                in.readFully(bytes, read, bytes.length - read);
            } catch (EOFException e) {
                EOFException truncated = new EOFException("clipstream serializer snapshot: estimator template length "
                        + n + ", but the snapshot ends within its first " + bytes.length + " bytes: it is truncated"
                        + " or the length is damaged");
                truncated.initCause(e);
                throw truncated;
            }
            read = bytes.length;
            if (read == n) {
                return bytes;
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(n, 2L * read));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorTemplate t && Arrays.equals(estimator, t.estimator) && method == t.method
                && warmup == t.warmup && Double.compare(levelRate, t.levelRate) == 0 && maxPeaks == t.maxPeaks
                && Double.compare(quantile, t.quantile) == 0 && Double.compare(confidence, t.confidence) == 0
                && skipUpdateOnAnomaly == t.skipUpdateOnAnomaly && detectChanges == t.detectChanges
                && Double.compare(changeQuantile, t.changeQuantile) == 0 && blockLength == t.blockLength;
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(estimator);
        h = 31 * h + method.hashCode();
        h = 31 * h + warmup;
        h = 31 * h + Double.hashCode(levelRate);
        h = 31 * h + maxPeaks;
        h = 31 * h + Double.hashCode(quantile);
        h = 31 * h + Double.hashCode(confidence);
        h = 31 * h + Boolean.hashCode(skipUpdateOnAnomaly);
        h = 31 * h + Boolean.hashCode(detectChanges);
        h = 31 * h + Double.hashCode(changeQuantile);
        return 31 * h + blockLength;
    }

    @Override
    public String toString() {
        String threshold = method == AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD
                ? String.format(Locale.ROOT, "peaks over threshold (warm-up %d, level rate %s, %d peaks)", warmup,
                        levelRate, maxPeaks)
                : "confidence sequence";
        return String.format(Locale.ROOT, "%s, %s, quantile %s, confidence %s%s%s", shape(), threshold, quantile,
                confidence,
                skipUpdateOnAnomaly ? ", skip update on anomaly" : "",
                detectChanges ? ", change test (quantile " + changeQuantile + ", block " + blockLength + ")"
                        : ", no change test");
    }
}
