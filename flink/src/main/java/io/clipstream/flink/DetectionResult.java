package io.clipstream.flink;

import io.clipstream.detect.Decision;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the keyed detection operator emits for every accepted element: the key's detector outcome (as
 * {@link io.clipstream.detect.Outcome}, copied into an immutable record) and the state of the key's estimator after
 * the sample. Flink serializes it as a POJO (a Java record), never with Kryo: {@link #typeInfo(TypeInformation, TypeInformation)}.
 *
 * @param key the element's key
 * @param element the element itself (to join the decision with the event downstream, e.g. in an alert)
 * @param index the 0-based number of the sample among those this key's detector processed (rejected samples are
 *     not numbered)
 * @param score the sample's score against the key's estimate before the update
 * @param decision ANOMALY (above {@code upper}), BENIGN (below {@code lower}) or ABSTAIN (inside)
 * @param lower the lower end of the threshold interval the decision used ({@code -Infinity} until finite)
 * @param upper the upper end of the threshold interval the decision used ({@code +Infinity} until finite)
 * @param changeDetected whether the change test fired on this sample (the key's score history was reset)
 * @param updated whether the estimator was updated with the sample (false only when skipping anomalies)
 * @param samplesSeen the samples the key's estimator has applied, this one included if updated
 * @param estimate a copy of the key's estimate after the sample, or null unless
 *     {@link DetectorConfig.Builder#emitEstimates(boolean)} is on
 * @param <K> the key type
 * @param <T> the element type
 */
public record DetectionResult<K, T>(K key, T element, long index, double score, Decision decision, double lower, double upper,
                                 boolean changeDetected, boolean updated, long samplesSeen, float[] estimate) {

    /** Whether the decision is {@link Decision#ANOMALY}. */
    public boolean isAnomaly() {
        return decision == Decision.ANOMALY;
    }

    /**
     * Flink's type information for results with keys of {@code keyType} and elements of {@code elementType}: a
     * POJO type, so results are serialized field by field (never with Kryo) and can be keyed on their fields.
     *
     * @throws IllegalArgumentException if either is null
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <K, T> TypeInformation<DetectionResult<K, T>> typeInfo(TypeInformation<K> keyType,
                                                                        TypeInformation<T> elementType) {
        if (keyType == null || elementType == null) {
            throw new IllegalArgumentException("keyType and elementType must not be null");
        }
        Map<String, TypeInformation<?>> fields = new LinkedHashMap<>();
        fields.put("key", keyType);
        fields.put("element", elementType);
        fields.put("index", Types.LONG);
        fields.put("score", Types.DOUBLE);
        fields.put("decision", Types.ENUM(Decision.class));
        fields.put("lower", Types.DOUBLE);
        fields.put("upper", Types.DOUBLE);
        fields.put("changeDetected", Types.BOOLEAN);
        fields.put("updated", Types.BOOLEAN);
        fields.put("samplesSeen", Types.LONG);
        fields.put("estimate", Types.PRIMITIVE_ARRAY(Types.FLOAT));
        return (TypeInformation) Types.POJO(DetectionResult.class, fields);
    }

    /** Equal when every component is, the estimate compared element by element. */
    @Override
    public boolean equals(Object o) {
        return o instanceof DetectionResult<?, ?> r && Objects.equals(key, r.key) && Objects.equals(element, r.element)
                && index == r.index
                && Double.compare(score, r.score) == 0 && decision == r.decision
                && Double.compare(lower, r.lower) == 0 && Double.compare(upper, r.upper) == 0
                && changeDetected == r.changeDetected && updated == r.updated && samplesSeen == r.samplesSeen
                && Arrays.equals(estimate, r.estimate);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, element, index, score, decision, lower, upper, changeDetected, updated, samplesSeen)
                * 31 + Arrays.hashCode(estimate);
    }

    @Override
    public String toString() {
        return "DetectionResult[key=" + key + ", element=" + element + ", index=" + index + ", score=" + score + ", decision=" + decision
                + ", interval=[" + lower + ", " + upper + "]" + (changeDetected ? ", change" : "")
                + (updated ? "" : ", not updated") + ", samplesSeen=" + samplesSeen
                + (estimate == null ? "" : ", estimate=" + Arrays.toString(estimate)) + "]";
    }
}
