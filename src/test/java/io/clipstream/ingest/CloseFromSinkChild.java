package io.clipstream.ingest;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in its own JVM by {@link IngestLifecycleTest}: a sink closes the pipeline (a fatal condition it saw) while
 * 500 accepted samples are still in the ring, and main returns as soon as that close() has returned. close()
 * promises to drain everything accepted; a shutdown hook prints how many results the sink saw before the JVM
 * exited. (Main waits for the sink's close() call: had it returned earlier, the JVM could begin to exit before the
 * pipeline was asked to close at all, which no pipeline can prevent.)
 */
public final class CloseFromSinkChild {

    static final int SAMPLES = 500;

    public static void main(String[] args) throws Exception {
        AtomicLong results = new AtomicLong();
        CountDownLatch offered = new CountDownLatch(1);
        CountDownLatch closeCalled = new CountDownLatch(1);
        IngestPipeline[] self = new IngestPipeline[1];
        self[0] = IngestPipeline.builder(KeyedStore.builder(4)).sink((key, tag, score, level, d) -> {
            if (results.getAndIncrement() == 0) {
                try {
                    offered.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                self[0].close(); // returns at once: the drain finishes on another thread
                closeCalled.countDown();
            }
            try {
                Thread.sleep(2); // a sink that does some I/O per result: the drain outlives main
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                System.out.println("RESULTS " + results.get() + " OF " + SAMPLES)));
        for (int i = 0; i < SAMPLES; i++) {
            if (!self[0].offer(i, i, new float[] {1, 2, 3, 4})) {
                throw new AssertionError("the ring was full at sample " + i);
            }
        }
        offered.countDown();
        closeCalled.await();
    }
}
