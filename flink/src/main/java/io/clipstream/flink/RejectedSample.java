package io.clipstream.flink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * An element whose sample the key's detector refused (null, wrong length, a NaN or infinite value, a bad label),
 * emitted on the operator's side output ({@link Detection#rejected()}). The key's state is unchanged apart from its
 * estimator's rejected count, and the job goes on.
 *
 * @param key the element's key
 * @param element the element as it arrived
 * @param reason the library's message, naming the problem and the value (e.g. {@code x[3] is NaN})
 * @param <K> the key type
 * @param <T> the element type
 */
public record RejectedSample<K, T>(K key, T element, String reason) {

    /**
     * Flink's type information for rejected samples of {@code elementType} with keys of {@code keyType} (a POJO type).
     *
     * @throws IllegalArgumentException if either is null
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <K, T> TypeInformation<RejectedSample<K, T>> typeInfo(TypeInformation<K> keyType,
                                                                       TypeInformation<T> elementType) {
        if (keyType == null || elementType == null) {
            throw new IllegalArgumentException("keyType and elementType must not be null");
        }
        Map<String, TypeInformation<?>> fields = new LinkedHashMap<>();
        fields.put("key", keyType);
        fields.put("element", elementType);
        fields.put("reason", Types.STRING);
        return (TypeInformation) Types.POJO(RejectedSample.class, fields);
    }
}
