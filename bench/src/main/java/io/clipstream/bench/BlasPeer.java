package io.clipstream.bench;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The netlib BLAS instance, created on first use. {@link BLAS#getInstance()} tries a native BLAS through JNI
 * first and otherwise picks its own pure-Java implementation (on JDK 16+ with the incubator module readable:
 * {@code VectorBLAS}, written with the Vector API). The class it picked is printed once per fork.
 */
final class BlasPeer {

    private static final BLAS INSTANCE = create();

    private BlasPeer() {
    }

    static BLAS instance() {
        return INSTANCE;
    }

    private static BLAS create() {
        BLAS blas = BLAS.getInstance();
        System.err.println("[clipstream-bench] BLAS implementation: " + blas.getClass().getName());
        BenchSupport.recordFork("blas=" + blas.getClass().getName());
        return blas;
    }
}
