package io.clipstream.flink;

import java.util.Arrays;

/**
 * A test element: a key, its position in the generated stream, features and a label. A record with a
 * {@code float[]}: Flink serializes it as a POJO (the tests run with generic types disabled, so Kryo would fail).
 */
public record Sample(long key, long seq, float[] features, double label) {

    @Override
    public boolean equals(Object o) {
        return o instanceof Sample s && key == s.key && seq == s.seq && Arrays.equals(features, s.features)
                && Double.compare(label, s.label) == 0;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq);
    }

    @Override
    public String toString() {
        return "Sample[key=" + key + ", seq=" + seq + ", features=" + Arrays.toString(features) + ", label=" + label
                + "]";
    }
}
