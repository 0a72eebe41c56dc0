/**
 * clipstream on Apache Flink: keyed anomaly detection with one estimator and detector per key in Flink keyed state.
 *
 * <p>{@link io.clipstream.flink.ClipstreamFlink#detect} builds the operator ({@link io.clipstream.flink.DetectFunction})
 * from a {@link io.clipstream.flink.DetectorConfig}, a {@link io.clipstream.flink.FeatureExtractor} and, for models, a
 * {@link io.clipstream.flink.LabelExtractor}; it emits {@link io.clipstream.flink.DetectionResult}s and, on a side
 * output, {@link io.clipstream.flink.RejectedSample}s. The state is serialized by
 * {@link io.clipstream.flink.AnomalyDetectorSerializer} in the library's own versioned, CRC32C-checked snapshot
 * format, with a {@link io.clipstream.flink.AnomalyDetectorSerializerSnapshot} for Flink's compatibility checks.
 *
 * <p>Flink is a {@code provided} dependency (2.x; tested with 2.3.0 on JDK 25): the job's JVMs need
 * {@code --add-modules jdk.incubator.vector} like any JVM that runs clipstream.
 */
package io.clipstream.flink;
