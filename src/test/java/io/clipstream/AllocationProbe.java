package io.clipstream;

import java.util.SplittableRandom;

/**
 * Run in a child JVM by {@link EstimatorApiTest}: warms up every per-sample call and the batch driver and prints the steady-state
 * bytes allocated per round of calls. A child JVM, because production loads one vector width: in the test JVM the
 * kernel properties have already exercised all three, which makes the shared kernel code see several species
 * (and box vectors), a state no production JVM reaches.
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(10);
        float[] x = Fixtures.gaussian(r, 256, 1);
        float[][] fresh = new float[16][];
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = Fixtures.gaussian(r, 256, 1);
        }
        MeanEstimator mean = MeanEstimator.builder(256).build();
        LinearRegression lin = LinearRegression.builder(256).build();
        LogisticRegression log = LogisticRegression.builder(256).buildLogistic();
        SoftmaxRegression soft = SoftmaxRegression.builder(256, 4).build();
        java.lang.foreign.MemorySegment segment = Fixtures.segment(x);
        // a long vector too: C2 compiles long loops differently (a reduction helper that was not inlined there
        // boxed a vector per call, 96 B, while d = 256 stayed clean)
        MeanEstimator big = MeanEstimator.builder(65_536).build();
        java.lang.foreign.MemorySegment bigX = Fixtures.segment(Fixtures.gaussian(r, 65_536, 1));
        byte[] snapshot = new byte[mean.snapshotSize()];
        // batches: the one driver under both policies, over a reused slab (array and native segment), every task
        int rows = 8;
        float[] slab = Fixtures.gaussian(r, rows * 256, 1);
        java.lang.foreign.MemorySegment slabSegment = Fixtures.segment(slab);
        double[] scores = new double[rows];
        java.lang.foreign.MemorySegment scoresSegment = java.lang.foreign.Arena.ofAuto().allocate(8L * rows, 8);
        float[] ys = new float[rows];
        int[] labels = new int[rows];
        CustomEstimator custom = CustomEstimator.builder(256, ExtremeValuesProperties.LEAST_SQUARES).build();
        int[] round = {0};
        Runnable all = () -> {
            float[] distinct = fresh[round[0]++ & 15];
            mean.update(x);
            mean.update(distinct);
            mean.update(segment, 0);
            mean.score(x);
            lin.update(x, 1f);
            lin.update(segment, 0, -1f);
            log.update(distinct, 1);
            soft.update(x, 3);
            mean.writeSnapshot(snapshot, 0);
            big.update(bigX, 0);
            mean.updateBatch(slab, 0, rows, scores, 0, BadRowPolicy.SKIP_AND_COUNT);
            mean.updateBatch(slabSegment, 0, rows, scoresSegment, 0, BadRowPolicy.REJECT_BATCH);
            lin.updateBatch(slab, 0, rows, ys, 0, scores, 0, BadRowPolicy.REJECT_BATCH);
            lin.updateBatch(slabSegment, 0, rows, ys, 0, null, 0, BadRowPolicy.SKIP_AND_COUNT);
            log.updateBatch(slab, 0, rows, labels, 0, scores, 0, BadRowPolicy.SKIP_AND_COUNT);
            soft.updateBatch(slabSegment, 0, rows, labels, 0, scoresSegment, 0, BadRowPolicy.REJECT_BATCH);
            custom.update(x, 0.5f);
            custom.updateBatch(slab, 0, rows, ys, 0, scores, 0, BadRowPolicy.REJECT_BATCH);
        };
        System.out.println("bytes/round=" + Fixtures.steadyAllocationPerRun(all, 1, 60));
    }
}
