package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.clipstream.detect.AnomalyDetector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A single sample (or a score batch) given as a segment whose arena is closed, or that is confined to another
 * thread, is a bad argument like any other: IllegalArgumentException naming it, counted as rejected by updates,
 * nothing changed. (The JDK's IllegalStateException or WrongThreadException came out of the kernels before, uncounted,
 * while the batch paths already refused such segments by name.)
 */
class SampleSegmentLifetimeTest {

    private static final int D = 5;

    private static MemorySegment closed() {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(4L * D * 4, 64);
        arena.close();
        return s;
    }

    /** A segment confined to a thread that has ended. */
    private static MemorySegment otherThreads() throws InterruptedException {
        AtomicReference<MemorySegment> s = new AtomicReference<>();
        Thread t = new Thread(() -> s.set(Arena.ofConfined().allocate(4L * D * 4, 64)));
        t.start();
        t.join();
        return s.get();
    }

    private static void refused(Estimator e, Executable call, String problem, boolean counted) {
        byte[] before = Fixtures.state(e);
        long rejected = e.rejectedCount();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertEquals(problem, ex.getMessage());
        assertEquals(rejected + (counted ? 1 : 0), e.rejectedCount(), problem);
        assertArrayEquals(before, Fixtures.state(e), "nothing else changed: " + problem);
    }

    @Test
    void deadAndForeignSampleSegmentsAreBadArguments() throws InterruptedException {
        float[] good = {1, 2, 3, 4, 5};
        MeanEstimator mean = MeanEstimator.builder(D).build();
        LinearRegression linear = LinearRegression.builder(D).build();
        LogisticRegression logistic = LogisticRegression.builder(D).buildLogistic();
        SoftmaxRegression softmax = SoftmaxRegression.builder(D, 3).build();
        CustomEstimator custom = CustomEstimator.builder(D, (theta, x, y, g) -> {
            double loss = 0;
            for (int i = 0; i < theta.length; i++) {
                g[i] = theta[i] - x[i];
                loss += g[i] * g[i] / 2;
            }
            return loss;
        }).build();
        mean.update(good);
        linear.update(good, 1);
        logistic.update(good, 1);
        softmax.update(good, 2);
        custom.update(good, 1);
        List<Object[]> segments = List.of(new Object[] {closed(), "x is not alive (its arena was closed)"},
                new Object[] {otherThreads(), "x is confined to another thread"});
        for (Object[] c : segments) {
            MemorySegment x = (MemorySegment) c[0];
            String problem = (String) c[1];
            refused(mean, () -> mean.update(x, 1), problem, true);
            refused(mean, () -> mean.scoreAndUpdate(x, 1), problem, true);
            refused(mean, () -> mean.score(x, 1), problem, false);
            refused(linear, () -> linear.update(x, 1, 2f), problem, true);
            refused(linear, () -> linear.score(x, 1, 2f), problem, false);
            refused(linear, () -> linear.predict(x, 1), problem, false);
            refused(logistic, () -> logistic.update(x, 1, 1), problem, true);
            refused(logistic, () -> logistic.probability(x, 1), problem, false);
            refused(softmax, () -> softmax.update(x, 1, 2), problem, true);
            refused(softmax, () -> softmax.score(x, 1, 2), problem, false);
            refused(custom, () -> custom.update(x, 1, 2f), problem, true);

            MemorySegment heapRows = MemorySegment.ofArray(new float[2 * D]);
            refused(mean, () -> mean.scoreBatch(x, 0, 2, MemorySegment.ofArray(new double[2]), 0),
                    problem.replace("x ", "xs "), false);
            refused(mean, () -> mean.scoreBatch(heapRows, 0, 2, x, 0), problem.replace("x ", "scores "), false);

            for (boolean skip : new boolean[] {false, true}) {
                AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(D).build())
                        .skipUpdateOnAnomaly(skip).build();
                det.process(good);
                byte[] before = det.snapshot();
                long rejected = det.estimator().rejectedCount();
                assertThrows(IllegalArgumentException.class, () -> det.process(x, 0), problem);
                assertEquals(rejected + 1, det.estimator().rejectedCount(), "detector, skip " + skip);
                assertEquals(before.length, det.snapshot().length);
                assertEquals(det.processed(), AnomalyDetector.restore(before).processed(), "not processed");
            }
        }
        // still usable, and a live segment works as before
        MemorySegment live = MemorySegment.ofArray(good);
        assertEquals(mean.score(good), mean.score(live, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeSample = arena.allocateFrom(ValueLayout.JAVA_FLOAT, good);
            assertEquals(mean.score(good), mean.score(nativeSample, 0));
            mean.update(nativeSample, 0);
        }
    }
}
