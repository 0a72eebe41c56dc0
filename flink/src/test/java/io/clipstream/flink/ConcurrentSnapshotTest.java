package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.detect.AnomalyDetector;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The heap backend's asynchronous snapshot thread serializes a detector while the task thread may copy the same one
 * (copy-on-write): two readers at once. A snapshot writes through scratch state inside the estimator (a shared
 * CRC32C), and unguarded concurrent snapshots of one estimator were measured to produce wrong checksums (59 of
 * 400,000 at d = 64 on two threads). So the serializer holds the detector's monitor while it writes its bytes, for
 * both {@code serialize} and {@code copy}: these tests hold the monitor and check that both wait for it.
 */
class ConcurrentSnapshotTest {

    @Test
    void serializeWaitsForTheDetectorsMonitor() throws Exception {
        DetectorConfig config = Detectors.meanConfig(16);
        AnomalyDetector detector = Detectors.trainedMean(config, 200, 3);
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(config);
        DataOutputSerializer out = new DataOutputSerializer(64);
        assertWaitsForMonitor(detector, () -> {
            serializer.serialize(detector, out);
            return out.getCopyOfBuffer();
        });
        byte[] expected = Detectors.bytes(detector);
        byte[] written = out.getCopyOfBuffer();
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(written, 4, written.length));
    }

    @Test
    void copyWaitsForTheDetectorsMonitor() throws Exception {
        DetectorConfig config = Detectors.meanConfig(16);
        AnomalyDetector detector = Detectors.trainedMean(config, 200, 4);
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(config);
        AnomalyDetector copy = (AnomalyDetector) assertWaitsForMonitor(detector, () -> serializer.copy(detector));
        assertArrayEquals(Detectors.bytes(detector), Detectors.bytes(copy));
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static Object assertWaitsForMonitor(AnomalyDetector detector, Call call) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader;
        synchronized (detector) {
            reader = new Thread(() -> {
                started.countDown();
                try {
                    result.set(call.run());
                } catch (Throwable t) {
                    failure.set(t);
                }
                finished.countDown();
            });
            reader.start();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertFalse(finished.await(300, TimeUnit.MILLISECONDS), "the call did not wait for the monitor");
        }
        assertTrue(finished.await(30, TimeUnit.SECONDS), "the call finished once the monitor was free");
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return result.get();
    }
}
