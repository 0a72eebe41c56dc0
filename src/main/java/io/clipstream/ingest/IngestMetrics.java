package io.clipstream.ingest;

import java.util.Locale;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * The pipeline's counters, as Agrona counters (one set per shard, labelled {@code "clipstream shard <i> <name>"})
 * and as totals. A live view: every call reads the current values, from any thread, without allocating.
 *
 * <ul>
 *   <li>{@code samples}: samples the agents processed (a key's first sample included);</li>
 *   <li>{@code rejected}: samples refused at offer or commit (null, wrong length, non-finite), whether or not the
 *       ring had room;</li>
 *   <li>{@code dropped}: good offers refused because the shard's ring was full, and offers and claims refused
 *       because the pipeline was closed (those throw {@link IllegalStateException});</li>
 *   <li>{@code anomalies}: ANOMALY decisions;</li>
 *   <li>{@code evictions}: keys evicted (idle or capacity);</li>
 *   <li>{@code keys}: keys currently held (a gauge);</li>
 *   <li>{@code errors}: exceptions thrown by the result sink.</li>
 * </ul>
 * Every offer ends up in exactly one of samples, rejected and dropped: after {@link IngestPipeline#close()},
 * {@code samples + rejected + dropped} equals the number of offers and claims (not counting calls refused as
 * misuse: an offer or claim while the same publisher holds an open claim, or an aborted claim).
 */
public final class IngestMetrics {

    static final String[] NAMES = {"samples", "rejected", "dropped", "anomalies", "evictions", "keys", "errors"};
    static final int SAMPLES = 0;
    static final int REJECTED = 1;
    static final int DROPPED = 2;
    static final int ANOMALIES = 3;
    static final int EVICTIONS = 4;
    static final int KEYS = 5;
    static final int ERRORS = 6;

    private final AtomicCounter[][] counters;
    private final CountersReader reader;

    IngestMetrics(AtomicCounter[][] counters, CountersReader reader) {
        this.counters = counters;
        this.reader = reader;
    }

    private long total(int metric) {
        long sum = 0;
        for (AtomicCounter[] shard : counters) {
            sum += shard[metric].get();
        }
        return sum;
    }

    /** Samples processed. */
    public long samples() {
        return total(SAMPLES);
    }

    /** Samples refused as bad. */
    public long rejected() {
        return total(REJECTED);
    }

    /** Offers refused because a ring was full. */
    public long dropped() {
        return total(DROPPED);
    }

    /** ANOMALY decisions. */
    public long anomalies() {
        return total(ANOMALIES);
    }

    /** Keys evicted. */
    public long evictions() {
        return total(EVICTIONS);
    }

    /** Keys held now. */
    public long keys() {
        return total(KEYS);
    }

    /** Exceptions from the result sink. */
    public long errors() {
        return total(ERRORS);
    }

    /**
     * One shard's value of a metric named as in the class comment.
     *
     * @throws IllegalArgumentException for a shard outside {@code [0, shards)} or an unknown metric name
     */
    public long shard(int shard, String metric) {
        if (shard < 0 || shard >= counters.length) {
            throw new IllegalArgumentException("no shard " + shard + ": shards are 0 to " + (counters.length - 1));
        }
        for (int m = 0; m < NAMES.length; m++) {
            if (NAMES[m].equals(metric)) {
                return counters[shard][m].get();
            }
        }
        throw new IllegalArgumentException("no metric " + metric + "; metrics are " + String.join(", ", NAMES));
    }

    /** Agrona's reader over all counters (for monitoring agents that walk counters by label). */
    public CountersReader countersReader() {
        return reader;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "samples=%d rejected=%d dropped=%d anomalies=%d evictions=%d keys=%d "
                + "errors=%d", samples(), rejected(), dropped(), anomalies(), evictions(), keys(), errors());
    }
}
