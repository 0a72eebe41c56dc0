package io.clipstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Main class of {@code benchmarks.jar}.
 *
 * <ul>
 *   <li>{@code end-to-end [options]}: {@link EndToEndLatency} (ingestion latency at a fixed offered rate, the
 *       maximum sustainable rate), not JMH.</li>
 *   <li>{@code rcf-comparison [options]}: {@link RcfComparison} (detection quality and throughput beside AWS Random
 *       Cut Forest), not JMH.</li>
 *   <li>With other arguments: JMH's own command line ({@link org.openjdk.jmh.Main}), so every JMH option works
 *       ({@code -prof gc}, {@code -f 1}, {@code -p dim=1024}, a benchmark regex, {@code -h}).</li>
 *   <li>Without arguments: the standard suite through the JMH Runner API, one JMH run per {@link Part} (three
 *       for {@code estimator}), then Markdown tables on stdout (also written to
 *       {@code <resultDir>/bench-tables.md}) and the raw results as {@code <resultDir>/jmh-result-<part>.json}
 *       ({@code jmh-result-estimator-<run>.json}).</li>
 * </ul>
 *
 * <p>Suite settings, as system properties of this JVM (empty means default): {@code bench.quick=true} (a smoke run
 * of about 14 minutes: 1 fork, two 750 ms warm-up and two 250 ms measurement iterations), {@code bench.forks}
 * (default 3; 1 for the estimator part unless set), {@code bench.warmups} (2), {@code bench.iterations} (3),
 * {@code bench.time} (iteration length, 1s), {@code bench.parts} (comma-separated part names, default all but
 * {@code distances} and {@code rcf}), {@code bench.dims} (comma-separated dims: run only those of each part's dims),
 * {@code bench.resultDir} (default {@code target}).
 * The default suite takes about 55 minutes on 2 cores (118 configurations x 3 forks plus the estimator part's
 * 108 configurations x 1 fork, ~7 s per fork); the opt-in {@code rcf} part adds 9 configurations with at least
 * 4 x 2 s of warm-up each (about 7 minutes at 3 forks).
 */
public final class BenchMain {

    static final List<String> DIMS = List.of("16", "64", "256", "1000", "1024", "4096", "65536");
    static final List<String> STREAM_DIMS = List.of("256", "1024", "4096");
    static final List<String> DIMS_256_BIT = List.of("64", "256", "1024", "4096");
    /**
     * The estimator part's dims: the smallest (where a fixed facade cost weighs most), the one the facade-overhead
     * criterion names, and the largest. The benchmark classes cover 16, 64, 256, 1024, 4096, 65536 (JMH options).
     */
    static final List<String> ESTIMATOR_DIMS = List.of("16", "1024", "65536");
    static final List<String> ESTIMATOR_TASKS = List.of("MEAN", "LINEAR", "LOGISTIC", "SOFTMAX");
    /** The detector part's dims and tasks ({@link DetectorProcessBenchmark}). */
    static final List<String> DETECTOR_DIMS = List.of("16", "256", "1024");
    static final List<String> DETECTOR_TASKS = List.of("MEAN", "LOGISTIC");
    /** The dims of the opt-in {@code rcf} part ({@link RcfPeerBenchmark}). */
    static final List<String> RCF_DIMS = List.of("16", "64", "256");

    /** The fork JVM flags of every benchmark (the {@code @Fork} annotations carry the same list). */
    static final List<String> FORK_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

    /**
     * Random Cut Forest at d = 256 (~0.7 ms per sample) was still 1.5-8x slower than its steady state after 2-3 s
     * of warm-up on this machine (few calls, so C2 compiles late); the rcf part warms up for at least 4 x 2 s.
     */
    private static final int RCF_MIN_WARMUPS = 4;
    private static final int RCF_MIN_WARMUP_SECONDS = 2;

    /** Fork overhead measured on the 2-core machine (JVM start, 2 GiB pre-touch, set-up), for the estimate. */
    private static final double FORK_OVERHEAD_SECONDS = 2.0;

    private BenchMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("end-to-end")) {
            EndToEndLatency.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("rcf-comparison")) {
            RcfComparison.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Config config = Config.fromSystemProperties();
        System.err.println("[clipstream-bench] runner JVM: " + Runtime.version() + " ("
                + System.getProperty("java.vm.name") + "); " + config.describe());
        Files.createDirectories(config.resultDir());

        Map<Part, PartResult> results = new LinkedHashMap<>();
        for (Part part : config.parts()) {
            if (part.configurations(config) > 0) {
                results.put(part, run(part, config));
            }
        }
        String tables = Report.render(results, MachineInfo.read());
        Path tablesFile = config.resultDir().resolve("bench-tables.md");
        Files.writeString(tablesFile, tables, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(tables);
        System.err.println("[clipstream-bench] tables: " + tablesFile + "; raw results: "
                + config.resultDir().resolve("jmh-result-*.json"));
    }

    private static PartResult run(Part part, Config config) throws IOException {
        Path forkInfo = config.resultDir().resolve("fork-info-" + part.fileName() + ".txt");
        Files.deleteIfExists(forkInfo);
        // jvmArgs replaces what forks would otherwise inherit from this JVM's command line; jvmArgsAppend
        // replaces the @Fork annotations' list (which equals FORK_FLAGS).
        List<String> extraArgs = new ArrayList<>(part.extraJvmArgs);
        extraArgs.add("-Dbench.forkInfo=" + forkInfo.toAbsolutePath());
        int forks = config.forks(part);
        System.err.printf(Locale.ROOT, "[clipstream-bench] part %s: %d configurations x %d forks%n", part.fileName(),
                part.configurations(config), forks);
        List<RunResult> runResults = new ArrayList<>();
        for (Run run : part.runs) {
            if (config.dims(run.params().get("dim")).isEmpty()) {
                continue;
            }
            String resultName = part.fileName() + (part.runs.size() > 1 ? "-" + run.name() : "");
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(run.include())
                    .forks(forks)
                    .warmupIterations(part == Part.RCF ? Math.max(config.warmups(), RCF_MIN_WARMUPS)
                            : config.warmups())
                    .warmupTime(part == Part.RCF && Config.seconds(config.warmupTime()) < RCF_MIN_WARMUP_SECONDS
                            ? TimeValue.seconds(RCF_MIN_WARMUP_SECONDS) : config.warmupTime())
                    .measurementIterations(config.iterations())
                    .measurementTime(config.time())
                    .jvmArgs(FORK_FLAGS.toArray(String[]::new))
                    .jvmArgsAppend(extraArgs.toArray(String[]::new))
                    .addProfiler(GCProfiler.class)
                    .resultFormat(ResultFormatType.JSON)
                    .result(config.resultDir().resolve("jmh-result-" + resultName + ".json").toString());
            run.params().forEach((name, values) -> options.param(name,
                    (name.equals("dim") ? config.dims(values) : values).toArray(String[]::new)));
            try {
                runResults.addAll(new Runner(options.build()).run());
            } catch (RunnerException e) {
                System.err.println("[clipstream-bench] part " + resultName + " failed: " + e);
                e.printStackTrace();
            }
        }
        List<String> info = Files.exists(forkInfo) ? Files.readAllLines(forkInfo, StandardCharsets.UTF_8) : List.of();
        return new PartResult(part, List.copyOf(runResults), ForkInfo.merge(info));
    }

    /**
     * One JMH run within a part: a benchmark regex matching {@code methods} benchmark methods, and the parameter
     * values (JMH applies each only to the benchmarks that declare it). Single-run parts count their
     * configurations themselves ({@link Part#configurations}).
     */
    record Run(String name, String include, int methods, Map<String, List<String>> params) {

        static Run of(String name, String methods, int methodCount, Map<String, List<String>> params) {
            return new Run(name, "^" + BenchMain.class.getPackageName().replace(".", "\\.") + "\\." + methods + "$",
                    methodCount, params);
        }

        /** Benchmark methods x the product of the parameters' value counts. */
        int configurations(Config config) {
            int n = methods;
            for (Map.Entry<String, List<String>> e : params.entrySet()) {
                n *= e.getKey().equals("dim") ? config.dims(e.getValue()).size() : e.getValue().size();
            }
            return n;
        }
    }

    /**
     * One part of the suite: one JMH run (a benchmark regex, parameter values, extra fork flags), or, for
     * {@link #ESTIMATOR}, several runs whose results are reported together.
     */
    enum Part {
        MEAN("ClippedMeanStepBenchmark\\.clippedMeanStep",
                Map.of("dim", DIMS, "impl", List.of("SCALAR", "SIMD", "BLAS"), "memory", List.of("NATIVE"))),
        HEAP("ClippedMeanStepBenchmark\\.clippedMeanStep",
                Map.of("dim", DIMS, "impl", List.of("SIMD"), "memory", List.of("HEAP"))),
        MEAN256("ClippedMeanStepBenchmark\\.clippedMeanStep",
                Map.of("dim", DIMS_256_BIT, "impl", List.of("SCALAR", "SIMD"), "memory", List.of("NATIVE")),
                "-XX:MaxVectorSize=32"),
        DOT("DotBenchmark\\.dot", Map.of("dim", DIMS, "impl", List.of("SCALAR", "SIMD", "BLAS"))),
        LINEAR("LinearStepBenchmark\\.clippedLinearStep",
                Map.of("dim", DIMS, "impl", List.of("SCALAR", "SIMD", "BLAS"))),
        /** The load-only kernel and the step it bounds in one JMH run, so that their ratio is a same-run ratio. */
        ROOFLINE("RooflineBenchmark\\.loadOnly|ClippedMeanStepBenchmark\\.clippedMeanStep",
                Map.of("dim", DIMS, "impl", List.of("SCALAR", "SIMD"), "memory", List.of("NATIVE"))),
        STREAM("RooflineBenchmark\\.stream(LoadOnly|ClippedMeanStep)",
                Map.of("dim", STREAM_DIMS, "impl", List.of("SCALAR", "SIMD"))),
        /**
         * The estimator facade (3 dims, 1 fork by default, ~13 minutes): SIMD updates through the facade and the
         * raw kernel on both input kinds (the overhead ratio), SCALAR updates, and score and batch on both
         * implementations.
         */
        ESTIMATOR(List.of(
                Run.of("update", "EstimatorUpdateBenchmark\\.(estimatorUpdate|rawKernelUpdate)", 2,
                        Map.of("dim", ESTIMATOR_DIMS, "impl", List.of("SIMD"), "task", ESTIMATOR_TASKS,
                                "input", List.of("SEGMENT", "REUSED"))),
                Run.of("scalar", "EstimatorUpdateBenchmark\\.estimatorUpdate", 1,
                        Map.of("dim", ESTIMATOR_DIMS, "impl", List.of("SCALAR"), "task", ESTIMATOR_TASKS,
                                "input", List.of("SEGMENT"))),
                Run.of("score-batch", "Estimator(Score|Batch)Benchmark\\.estimator(Score|Batch)", 2,
                        Map.of("dim", ESTIMATOR_DIMS, "impl", List.of("SCALAR", "SIMD"), "task", ESTIMATOR_TASKS))),
                1),
        DISTANCES("DistancesBenchmark\\.distances",
                Map.of("dim", List.of("16", "64", "256", "1000", "1024", "4096"), "impl", List.of("SCALAR", "SIMD"))),
        /** {@code AnomalyDetector.process} vs the bare estimator update, on a stationary stream (0 B/op expected). */
        DETECTOR(List.of(Run.of("", "DetectorProcessBenchmark\\.(detectorProcess|estimatorUpdate)", 2,
                Map.of("dim", DETECTOR_DIMS, "task", DETECTOR_TASKS, "threshold", List.of("POT", "CS")))), 0),
        /** Opt-in: the detector beside AWS Random Cut Forest 4.4.0 (score + update, and thresholded). */
        RCF(List.of(Run.of("", "RcfPeerBenchmark\\.(clipstreamDetector|rcfScoreAndUpdate|thresholdedRcf)", 3,
                Map.of("dim", RCF_DIMS))), 0);

        final List<Run> runs;
        final List<String> extraJvmArgs;
        /** Forks when {@code bench.forks} is not set and the suite is not quick; 0 = the suite's default (3). */
        final int defaultForks;

        Part(String methods, Map<String, List<String>> params, String... extraJvmArgs) {
            this.runs = List.of(Run.of("", methods, 1, params));
            this.extraJvmArgs = List.of(extraJvmArgs);
            this.defaultForks = 0;
        }

        Part(List<Run> runs, int defaultForks) {
            this.runs = runs;
            this.extraJvmArgs = List.of();
            this.defaultForks = defaultForks;
        }

        String fileName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Number of (benchmark, parameters) configurations, for the time estimate. */
        int configurations(Config config) {
            if (runs.size() > 1 || runs.getFirst().methods() > 1) {
                return runs.stream().mapToInt(run -> run.configurations(config)).sum();
            }
            Map<String, List<String>> params = runs.getFirst().params();
            int dims = config.dims(params.get("dim")).size();
            int impls = params.containsKey("impl") ? params.get("impl").size() : 1;
            return switch (this) {
                case STREAM -> dims * (1 + impls);
                default -> dims * impls;
            };
        }
    }

    /** Results of one part and what its forks recorded about themselves. */
    record PartResult(Part part, List<RunResult> results, Map<String, String> forkInfo) {
    }

    /** Suite settings from system properties. */
    record Config(boolean quick, int forks, boolean forksSet, int warmups, TimeValue warmupTime, int iterations,
                  TimeValue time, List<Part> parts, Set<String> dimFilter, Path resultDir) {

        static Config fromSystemProperties() {
            boolean quick = Boolean.parseBoolean(property("bench.quick", "false"));
            int forks = Integer.parseInt(property("bench.forks", quick ? "1" : "3"));
            int warmups = Integer.parseInt(property("bench.warmups", "2"));
            int iterations = Integer.parseInt(property("bench.iterations", quick ? "2" : "3"));
            TimeValue time = TimeValue.fromString(property("bench.time", quick ? "250ms" : "1s"));
            // Even quick mode warms up for 1.5 s: until C2 has compiled them (up to ~1 s on this busy 2-core
            // machine) the vector kernels run interpreted or in C1 with every vector boxed, 100-1000x slower and
            // allocating kilobytes per call, which would show up in both the times and gc.alloc.rate.norm.
            TimeValue warmupTime = quick && property("bench.time", "").isEmpty() ? TimeValue.milliseconds(750) : time;
            String partNames = property("bench.parts", "");
            List<Part> parts = new ArrayList<>();
            if (partNames.isEmpty()) {
                parts.addAll(Arrays.asList(Part.values()));
                parts.remove(Part.DISTANCES);
                parts.remove(Part.RCF);
            } else {
                for (String name : partNames.split(",")) {
                    parts.add(Part.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                }
            }
            Set<String> dimFilter = new LinkedHashSet<>();
            for (String dim : property("bench.dims", "").split(",")) {
                if (!dim.isBlank()) {
                    dimFilter.add(dim.trim());
                }
            }
            Path resultDir = Path.of(property("bench.resultDir", "target"));
            if (forks < 1 || warmups < 0 || iterations < 1) {
                throw new IllegalArgumentException("need bench.forks >= 1, bench.warmups >= 0, bench.iterations >= 1: "
                        + forks + ", " + warmups + ", " + iterations);
            }
            return new Config(quick, forks, !property("bench.forks", "").isEmpty(), warmups, warmupTime, iterations,
                    time, List.copyOf(parts), Set.copyOf(dimFilter), resultDir);
        }

        /** The part's forks: {@code bench.forks} if set, 1 when quick, else the part's own default or 3. */
        int forks(Part part) {
            return forksSet || quick || part.defaultForks == 0 ? forks : part.defaultForks;
        }

        /** The part's dims, restricted to {@code bench.dims} when that is set. */
        List<String> dims(List<String> partDims) {
            return dimFilter.isEmpty() ? partDims : partDims.stream().filter(dimFilter::contains).toList();
        }

        private static String property(String name, String defaultValue) {
            String value = System.getProperty(name, "").trim();
            return value.isEmpty() ? defaultValue : value;
        }

        String describe() {
            int configurations = parts.stream().mapToInt(part -> part.configurations(this)).sum();
            int runs = parts.stream().mapToInt(part -> part.configurations(this) * forks(part)).sum();
            double seconds = runs * (FORK_OVERHEAD_SECONDS + warmups * seconds(warmupTime)
                    + iterations * seconds(time));
            String forkCounts = parts.stream().map(this::forks).distinct().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(" or "));
            return String.format(Locale.ROOT, "%s suite, parts %s, %d configurations x %s forks (%d forks in all) x "
                    + "(%d x %s warm-up + %d x %s measurement): about %.0f minutes", quick ? "quick" : "full",
                    parts.stream().map(Part::fileName).toList(), configurations, forkCounts, runs, warmups,
                    warmupTime, iterations, time, seconds / 60);
        }

        static double seconds(TimeValue time) {
            return time.convertTo(TimeUnit.MILLISECONDS) / 1000.0;
        }
    }

    /** Merges the key=value lines the forks wrote: each key maps to its distinct values joined by " / ". */
    static final class ForkInfo {
        private ForkInfo() {
        }

        static Map<String, String> merge(List<String> lines) {
            Map<String, Set<String>> values = new LinkedHashMap<>();
            for (String line : lines) {
                for (String field : line.split("\t")) {
                    int eq = field.indexOf('=');
                    if (eq > 0) {
                        values.computeIfAbsent(field.substring(0, eq), k -> new LinkedHashSet<>())
                                .add(field.substring(eq + 1));
                    }
                }
            }
            Map<String, String> merged = new LinkedHashMap<>();
            values.forEach((key, set) -> merged.put(key, String.join(" / ", set)));
            return merged;
        }
    }
}
