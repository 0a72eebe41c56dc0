package io.clipstream.bench;

public final class BenchMain {
    public static void main(String[] args) throws Exception {
        System.err.println("runner JVM " + Runtime.version() + " " + System.getProperty("java.home") + " args=" + java.util.Arrays.toString(args) + " quick=[" + System.getProperty("bench.quick") + "]");
        if (args.length > 0) org.openjdk.jmh.Main.main(args);
    }
}
