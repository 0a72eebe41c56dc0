package io.clipstream.flink;

import io.clipstream.Task;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Decision;
import io.clipstream.detect.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The uninterrupted run: the bare library over the same elements in the same per-key order, one detector per key in
 * a map, with the same bad-sample policy (catch the library's IllegalArgumentException, skip the element). What a
 * Flink job must reproduce exactly, whatever failures, restores and rescaling happened in between.
 */
final class Reference {

    final List<DetectionResult<Long, Sample>> results = new ArrayList<>();
    final Map<Long, Integer> rejectedPerKey = new HashMap<>();
    final Map<Long, AnomalyDetector> detectors = new HashMap<>();

    static Reference run(SampleGenerator generator, long n, DetectorConfig config) {
        Reference r = new Reference();
        for (long seq = 0; seq < n; seq++) {
            r.process(generator.sample(seq), config);
        }
        r.results.sort(ORDER);
        return r;
    }

    static final Comparator<DetectionResult<Long, Sample>> ORDER =
            Comparator.<DetectionResult<Long, Sample>>comparingLong(DetectionResult::key).thenComparingLong(DetectionResult::index);

    private void process(Sample s, DetectorConfig config) {
        AnomalyDetector d = detectors.computeIfAbsent(s.key(), k -> config.newDetector());
        Outcome o;
        try {
            o = switch (config.task()) {
                case MEAN -> d.process(s.features());
                case LINEAR -> d.process(s.features(), (float) s.label());
                default -> {
                    if (s.label() != Math.rint(s.label())) {
                        d.estimator().countRejected(); // as the operator counts a label it refuses itself
                        throw new IllegalArgumentException("class label must be a whole number: " + s.label());
                    }
                    yield d.process(s.features(), (int) s.label());
                }
            };
        } catch (IllegalArgumentException e) {
            rejectedPerKey.merge(s.key(), 1, Integer::sum);
            return;
        }
        float[] estimate = null;
        if (config.emitEstimates()) {
            estimate = new float[d.estimator().parameterCount()];
            d.estimator().estimate(estimate);
        }
        results.add(new DetectionResult<>(s.key(), s, o.index(), o.score(), o.decision(), o.lower(), o.upper(),
                o.changeDetected(), o.updated(), d.estimator().samplesSeen(), estimate));
    }

    long count(Decision decision) {
        return results.stream().filter(r -> r.decision() == decision).count();
    }

    long changes() {
        return results.stream().filter(DetectionResult::changeDetected).count();
    }

    int rejected() {
        return rejectedPerKey.values().stream().mapToInt(Integer::intValue).sum();
    }

    static boolean needsLabels(Task task) {
        return task != Task.MEAN;
    }
}
