package io.clipstream.flink.example;

import java.util.Arrays;

/**
 * One host's metrics at one moment, as a monitoring pipeline would see them. {@code injected} is the example's
 * ground truth (a real stream would not have it). A record: Flink serializes it as a POJO.
 *
 * @param host the host name (the key)
 * @param seq the event's position in the generated stream
 * @param metrics the metric values (the detector's features)
 * @param injected whether the generator made this event anomalous
 */
public record HostMetrics(String host, long seq, float[] metrics, boolean injected) {

    @Override
    public boolean equals(Object o) {
        return o instanceof HostMetrics m && host.equals(m.host) && seq == m.seq && Arrays.equals(metrics, m.metrics)
                && injected == m.injected;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq);
    }

    @Override
    public String toString() {
        return host + "#" + seq + (injected ? " (injected)" : "");
    }
}
