package notes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loop-shape variants of pass 1 of the mean step ({@code sum (x_i - k t_i)^2}, the loop of
 * {@code SimdKernels.scaledSquaredDistanceSliced}), measured side by side with JMH. These are the shapes that
 * were tried and rejected; the library is not involved, each variant is a self-contained copy of the loop.
 *
 * <ul>
 *   <li>{@code baseline}: the production shape: species a {@code static final} constant, 4 accumulators,
 *       4-vector body, one-vector tail, scalar tail, over slices of exactly {@code dim} floats;</li>
 *   <li>{@code fieldSpecies}: the same loop, species read from a final instance field;</li>
 *   <li>{@code recordSpecies}: the same loop, species read from a record component;</li>
 *   <li>{@code eightVectors}: 8 accumulators, 8-vector body;</li>
 *   <li>{@code oneAccumulator}: 4-vector body feeding a single accumulator (one FMA dependency chain);</li>
 *   <li>{@code offsets}: the baseline indexing {@code base + offset} of the caller's segment instead of a
 *       slice (the form the library uses above 2048 floats and on heap segments).</li>
 * </ul>
 *
 * Build and run: see native-notes/tools/README.md (javac with JMH's annotation processor, then
 * {@code org.openjdk.jmh.Main Variants}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class Variants {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Param({"1024"})
    public int dim;

    /** Rows in the rotating pool of samples x (64 KiB at dim 1024, L2-resident like the library benchmark). */
    static final int ROWS = 16;

    MemorySegment theta;
    MemorySegment xs;
    int next;
    final float negK = -1f;
    final FieldKernel fieldKernel = new FieldKernel(SPECIES);
    final RecordKernel recordKernel = new RecordKernel(SPECIES);

    @Setup
    public void setUp() {
        Arena arena = Arena.ofShared();
        theta = arena.allocate(4L * dim, 64);
        xs = arena.allocate(4L * ROWS * dim, 64);
        SplittableRandom random = new SplittableRandom(42);
        for (long i = 0; i < dim; i++) {
            theta.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (0.1 * random.nextGaussian()));
        }
        for (long i = 0; i < (long) ROWS * dim; i++) {
            xs.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian());
        }
    }

    private long row() {
        return (long) (next++ & (ROWS - 1)) * dim * 4;
    }

    @Benchmark
    public float baseline() {
        return StaticKernel.pass1(negK, theta, 0, xs, row(), dim);
    }

    @Benchmark
    public float fieldSpecies() {
        return fieldKernel.pass1(negK, theta, 0, xs, row(), dim);
    }

    @Benchmark
    public float recordSpecies() {
        return recordKernel.pass1(negK, theta, 0, xs, row(), dim);
    }

    @Benchmark
    public float eightVectors() {
        return StaticKernel.pass1Eight(negK, theta, 0, xs, row(), dim);
    }

    @Benchmark
    public float oneAccumulator() {
        return StaticKernel.pass1OneAccumulator(negK, theta, 0, xs, row(), dim);
    }

    @Benchmark
    public float offsets() {
        return StaticKernel.pass1Offsets(negK, theta, 0, xs, row(), dim);
    }

    static final class StaticKernel {
        static FloatVector load(MemorySegment s, long o) {
            return FloatVector.fromMemorySegment(SPECIES, s, o, ORDER);
        }

        static float pass1(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset,
                           int count) {
            final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
            final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
            final int lanes = SPECIES.length();
            final int bytes = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(SPECIES, negK);
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            int i = 0;
            final int unrolled = count & -(4 * lanes);
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = load(t, o).fma(k, load(x, o));
                FloatVector d1 = load(t, o + bytes).fma(k, load(x, o + bytes));
                FloatVector d2 = load(t, o + 2 * bytes).fma(k, load(x, o + 2 * bytes));
                FloatVector d3 = load(t, o + 3 * bytes).fma(k, load(x, o + 3 * bytes));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = load(t, o).fma(k, load(x, o));
                acc0 = d.fma(d, acc0);
            }
            float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, o), negK, x.get(FLOAT, o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }

        static float pass1Offsets(float negK, MemorySegment t, long tBase, MemorySegment x, long xBase, int count) {
            final int lanes = SPECIES.length();
            final int bytes = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(SPECIES, negK);
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            int i = 0;
            final int unrolled = count & -(4 * lanes);
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = load(t, tBase + o).fma(k, load(x, xBase + o));
                FloatVector d1 = load(t, tBase + o + bytes).fma(k, load(x, xBase + o + bytes));
                FloatVector d2 = load(t, tBase + o + 2 * bytes).fma(k, load(x, xBase + o + 2 * bytes));
                FloatVector d3 = load(t, tBase + o + 3 * bytes).fma(k, load(x, xBase + o + 3 * bytes));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = load(t, tBase + o).fma(k, load(x, xBase + o));
                acc0 = d.fma(d, acc0);
            }
            float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, tBase + o), negK, x.get(FLOAT, xBase + o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }

        static float pass1Eight(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment,
                                long xOffset, int count) {
            final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
            final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
            final int lanes = SPECIES.length();
            final int b = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(SPECIES, negK);
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector a4 = a0;
            FloatVector a5 = a0;
            FloatVector a6 = a0;
            FloatVector a7 = a0;
            int i = 0;
            final int unrolled = count & -(8 * lanes);
            for (; i < unrolled; i += 8 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = load(t, o).fma(k, load(x, o));
                FloatVector d1 = load(t, o + b).fma(k, load(x, o + b));
                FloatVector d2 = load(t, o + 2 * b).fma(k, load(x, o + 2 * b));
                FloatVector d3 = load(t, o + 3 * b).fma(k, load(x, o + 3 * b));
                FloatVector d4 = load(t, o + 4 * b).fma(k, load(x, o + 4 * b));
                FloatVector d5 = load(t, o + 5 * b).fma(k, load(x, o + 5 * b));
                FloatVector d6 = load(t, o + 6 * b).fma(k, load(x, o + 6 * b));
                FloatVector d7 = load(t, o + 7 * b).fma(k, load(x, o + 7 * b));
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
                a2 = d2.fma(d2, a2);
                a3 = d3.fma(d3, a3);
                a4 = d4.fma(d4, a4);
                a5 = d5.fma(d5, a5);
                a6 = d6.fma(d6, a6);
                a7 = d7.fma(d7, a7);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = load(t, o).fma(k, load(x, o));
                a0 = d.fma(d, a0);
            }
            float sum = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, o), negK, x.get(FLOAT, o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }

        static float pass1OneAccumulator(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment,
                                         long xOffset, int count) {
            final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
            final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
            final int lanes = SPECIES.length();
            final int bytes = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(SPECIES, negK);
            FloatVector acc = FloatVector.zero(SPECIES);
            int i = 0;
            final int unrolled = count & -(4 * lanes);
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = load(t, o).fma(k, load(x, o));
                FloatVector d1 = load(t, o + bytes).fma(k, load(x, o + bytes));
                FloatVector d2 = load(t, o + 2 * bytes).fma(k, load(x, o + 2 * bytes));
                FloatVector d3 = load(t, o + 3 * bytes).fma(k, load(x, o + 3 * bytes));
                acc = d0.fma(d0, acc);
                acc = d1.fma(d1, acc);
                acc = d2.fma(d2, acc);
                acc = d3.fma(d3, acc);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = load(t, o).fma(k, load(x, o));
                acc = d.fma(d, acc);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, o), negK, x.get(FLOAT, o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }
    }

    /** The baseline loop with the species read from a final instance field. */
    static final class FieldKernel {
        private final VectorSpecies<Float> species;

        FieldKernel(VectorSpecies<Float> species) {
            this.species = species;
        }

        float pass1(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset,
                    int count) {
            final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
            final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
            final int lanes = this.species.length();
            final int bytes = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(this.species, negK);
            FloatVector acc0 = FloatVector.zero(this.species);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            int i = 0;
            final int unrolled = count & -(4 * lanes);
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = FloatVector.fromMemorySegment(this.species, t, o, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(this.species, x, o, ORDER));
                FloatVector d1 = FloatVector.fromMemorySegment(this.species, t, o + bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(this.species, x, o + bytes, ORDER));
                FloatVector d2 = FloatVector.fromMemorySegment(this.species, t, o + 2 * bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(this.species, x, o + 2 * bytes, ORDER));
                FloatVector d3 = FloatVector.fromMemorySegment(this.species, t, o + 3 * bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(this.species, x, o + 3 * bytes, ORDER));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = FloatVector.fromMemorySegment(this.species, t, o, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(this.species, x, o, ORDER));
                acc0 = d.fma(d, acc0);
            }
            float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, o), negK, x.get(FLOAT, o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }
    }

    /** The baseline loop with the species read from a record component. */
    record RecordKernel(VectorSpecies<Float> species) {
        float pass1(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset,
                    int count) {
            final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
            final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
            final int lanes = species().length();
            final int bytes = lanes * Float.BYTES;
            final FloatVector k = FloatVector.broadcast(species(), negK);
            FloatVector acc0 = FloatVector.zero(species());
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            int i = 0;
            final int unrolled = count & -(4 * lanes);
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                FloatVector d0 = FloatVector.fromMemorySegment(species(), t, o, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(species(), x, o, ORDER));
                FloatVector d1 = FloatVector.fromMemorySegment(species(), t, o + bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(species(), x, o + bytes, ORDER));
                FloatVector d2 = FloatVector.fromMemorySegment(species(), t, o + 2 * bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(species(), x, o + 2 * bytes, ORDER));
                FloatVector d3 = FloatVector.fromMemorySegment(species(), t, o + 3 * bytes, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(species(), x, o + 3 * bytes, ORDER));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            final int vectors = count & -lanes;
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                FloatVector d = FloatVector.fromMemorySegment(species(), t, o, ORDER)
                        .fma(k, FloatVector.fromMemorySegment(species(), x, o, ORDER));
                acc0 = d.fma(d, acc0);
            }
            float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
            for (; i < count; i++) {
                long o = (long) i << 2;
                float d = Math.fma(t.get(FLOAT, o), negK, x.get(FLOAT, o));
                sum = Math.fma(d, d, sum);
            }
            return sum;
        }
    }
}
