package io.clipstream.bench;

import com.amazon.randomcutforest.RandomCutForest;
import com.amazon.randomcutforest.parkservices.AnomalyDescriptor;
import com.amazon.randomcutforest.parkservices.ThresholdedRandomCutForest;
import io.clipstream.MeanEstimator;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Decision;
import io.clipstream.detect.Outcome;
import io.clipstream.experiments.Demo;
import io.clipstream.internal.kernel.KernelProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/**
 * Detection quality and throughput of clipstream's {@link AnomalyDetector} beside AWS Random Cut Forest 4.4.0 on
 * the same seeded stream ({@link DetectionStream#demo}: the demo's far-only stream, or with {@code --scenario
 * masking} its default one, shortened) at several
 * dimensions; writes a Markdown report. Run through the bench jar on JDK 25:
 * {@code mvn -q -DskipTests -pl bench -am package exec:exec@bench -Dbench.args="rcf-comparison"} (arguments after the word go to
 * this class), or {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * io.clipstream.bench.RcfComparison [options]} with a JDK 25 {@code java}.
 *
 * <p>Options: {@code --dims 16,64,256}, {@code --samples 40000}, {@code --seed 7} (the demo's), {@code --quantile
 * 0.99} and {@code --confidence 0.05} (the detector's defaults), {@code --scenario far-only|masking}, {@code --out
 * FILE} (default {@code <bench.resultDir or target>/rcf-comparison.md}).
 *
 * <h2>What runs</h2>
 * <ul>
 *   <li><b>clipstream</b>: {@code AnomalyDetector.builder(MeanEstimator.builder(d).build()).quantile(p)
 *       .confidence(a).build()}, {@code process(float[])} per sample (one reused array); flags are ANOMALY
 *       decisions, the score is {@link Outcome#score()} (distance to the estimate before the update).</li>
 *   <li><b>RCF</b>: {@code RandomCutForest.builder().dimensions(d).randomSeed(seed).build()}, every other setting
 *       its default (50 trees, 256 samples per tree, shingle 1, time decay 1/(10 x 256), FLOAT_32);
 *       {@code getAnomalyScore(x)} then {@code update(x)} per sample. Its raw scores are turned into decisions
 *       by the same online rule as clipstream's: an {@link AdaptiveThreshold} with the same {@code p}, {@code a}
 *       and the detector's default change test (decide, then observe, as {@code AnomalyDetector} does). RCF
 *       itself does not use the decisions, so the threshold runs over the recorded scores afterwards.</li>
 *   <li><b>TRCF</b>: {@code ThresholdedRandomCutForest.builder().dimensions(d).randomSeed(seed).build()}, all
 *       defaults, {@code process(x, t)} per sample; flagged when {@code getAnomalyGrade() > 0}; its AUC uses
 *       {@code getRCFScore()}.</li>
 * </ul>
 * RCF and TRCF get a fresh array per sample (as a user handing over each record would; they copy what they keep).
 *
 * <h2>Measures</h2>
 * Precision, recall and F1 of the flags against the stream's ground truth over the whole stream (abstentions are
 * not flags), as in {@link Demo}; AUC of the raw scores over the whole stream (Mann-Whitney, ties counted half),
 * and the best F1 any fixed threshold on those scores would reach in hindsight. Throughput: samples per second over
 * the second half of each pass (single thread, same JVM). clipstream's measured pass is preceded by two untimed
 * passes with throwaway detectors (JIT warm-up; its numbers are reproducible, so the measured pass gives the same
 * decisions); RCF and TRCF warm up in the first half of their own pass (at least 20,000 calls), and the dims run
 * in increasing order in one JVM, so their code is warm from the smaller dims as well. Use the JMH benchmark
 * {@code RcfPeerBenchmark} for throughput with forks and confidence intervals.
 */
public final class RcfComparison {

    private RcfComparison() {
    }

    /** Command-line settings. */
    record Options(List<Integer> dims, int samples, long seed, double quantile, double confidence, Path out,
                   DetectionStream.Scenario scenario) {

        static Options parse(String[] args) {
            List<Integer> dims = List.of(16, 64, 256);
            int samples = 40_000;
            long seed = Demo.Settings.defaults().seed();
            double quantile = Demo.Settings.defaults().quantile();
            double confidence = Demo.Settings.defaults().confidence();
            DetectionStream.Scenario scenario = DetectionStream.Scenario.FAR_ONLY;
            String resultDir = System.getProperty("bench.resultDir", "");
            Path out = Path.of(resultDir.isBlank() ? "target" : resultDir, "rcf-comparison.md");
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + name + " needs a value");
                }
                String value = args[++i];
                switch (name) {
                    case "--dims" -> dims = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf)
                            .toList();
                    case "--samples" -> samples = Integer.parseInt(value);
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--quantile" -> quantile = Double.parseDouble(value);
                    case "--confidence" -> confidence = Double.parseDouble(value);
                    case "--out" -> out = Path.of(value);
                    case "--scenario" -> scenario = switch (value) {
                        case "far-only" -> DetectionStream.Scenario.FAR_ONLY;
                        case "masking" -> DetectionStream.Scenario.MASKING;
                        default -> throw new IllegalArgumentException("--scenario must be far-only or masking: "
                                + value);
                    };
                    default -> throw new IllegalArgumentException("unknown option " + name
                            + " (known: --dims, --samples, --seed, --quantile, --confidence, --out, --scenario)");
                }
            }
            if (samples < 1000) {
                throw new IllegalArgumentException("samples must be >= 1000: " + samples);
            }
            return new Options(dims, samples, seed, quantile, confidence, out, scenario);
        }
    }

    /** One method's pass over one stream. */
    record MethodRun(String method, double samplesPerSecond, double auc, double bestF1, long truePositives,
                     long falsePositives, long falseNegatives, long abstentions, String notes) {

        double precision() {
            return truePositives == 0 ? 0 : (double) truePositives / (truePositives + falsePositives);
        }

        double recall() {
            return truePositives == 0 ? 0 : (double) truePositives / (truePositives + falseNegatives);
        }

        double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    record DimResult(int dim, int samples, int anomalies, MethodRun clipstream, MethodRun rcf, MethodRun trcf) {
    }

    public static void main(String[] args) throws IOException {
        Options options = Options.parse(args);
        System.err.printf(Locale.ROOT, "[rcf-comparison] JVM %s; dims %s, %,d samples, seed %d, p = %s, a = %s%n",
                Runtime.version(), options.dims(), options.samples(), options.seed(), options.quantile(),
                options.confidence());
        List<DimResult> results = new ArrayList<>();
        String rcfConfig = "";
        for (int d : options.dims()) {
            DetectionStream stream = DetectionStream.demo(options.scenario(), d, options.samples(), options.seed());
            MethodRun clip = clipstream(stream, options);
            progress(d, clip);
            RcfPass rcf = rcf(stream, options);
            rcfConfig = rcf.config();
            progress(d, rcf.run());
            MethodRun trcf = trcf(stream, options);
            progress(d, trcf);
            results.add(new DimResult(d, stream.samples(), stream.anomalies(), clip, rcf.run(), trcf));
        }
        String report = render(results, options, rcfConfig);
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.err.println("[rcf-comparison] written to " + options.out().toAbsolutePath());
    }

    private static void progress(int d, MethodRun run) {
        System.err.printf(Locale.ROOT, "[rcf-comparison] d=%d %-10s %,10.0f samples/s  AUC %.4f  P %.3f R %.3f F1 %.3f"
                + "  (best F1 %.3f)%n", d, run.method(), run.samplesPerSecond(), run.auc(), run.precision(),
                run.recall(), run.f1(), run.bestF1());
    }

    // ------------------------------------------------------------------ the three passes

    private static MethodRun clipstream(DetectionStream stream, Options options) {
        int n = stream.samples();
        double[] scores = new double[n];
        boolean[] flags = new boolean[n];
        boolean[] abstained = new boolean[n];
        for (int warmup = 0; warmup < 2; warmup++) {
            clipstreamPass(stream, options, scores, flags, abstained);
        }
        ClipPass pass = clipstreamPass(stream, options, scores, flags, abstained);
        // The RCF row applies the same AdaptiveThreshold to recorded scores afterwards; on clipstream's own scores
        // that must reproduce the detector's online decisions exactly.
        boolean[] replayFlags = new boolean[n];
        boolean[] replayAbstained = new boolean[n];
        threshold(scores, options, replayFlags, replayAbstained);
        if (!Arrays.equals(flags, replayFlags) || !Arrays.equals(abstained, replayAbstained)) {
            throw new IllegalStateException("AdaptiveThreshold over the recorded scores does not reproduce the "
                    + "detector's decisions at d = " + stream.dimension());
        }
        return evaluate("clipstream", n / 2 / (pass.secondHalfNanos() / 1e9), scores, flags, abstained, stream,
                pass.changes() + " changes detected");
    }

    private record ClipPass(long secondHalfNanos, long changes) {
    }

    private static ClipPass clipstreamPass(DetectionStream stream, Options options, double[] scores,
                                           boolean[] flags, boolean[] abstained) {
        int n = stream.samples();
        int d = stream.dimension();
        AnomalyDetector detector = AnomalyDetector.builder(MeanEstimator.builder(d).build())
                .quantile(options.quantile()).confidence(options.confidence()).build();
        float[] x = new float[d];
        int half = n / 2;
        for (int t = 0; t < half; t++) {
            stream.copy(t, x);
            record(detector.process(x), t, scores, flags, abstained);
        }
        long start = System.nanoTime();
        for (int t = half; t < n; t++) {
            stream.copy(t, x);
            record(detector.process(x), t, scores, flags, abstained);
        }
        long nanos = System.nanoTime() - start;
        return new ClipPass(nanos, detector.changes());
    }

    private static void record(Outcome o, int t, double[] scores, boolean[] flags, boolean[] abstained) {
        scores[t] = o.score();
        flags[t] = o.decision() == Decision.ANOMALY;
        abstained[t] = o.decision() == Decision.ABSTAIN;
    }

    private record RcfPass(MethodRun run, String config) {
    }

    private static RcfPass rcf(DetectionStream stream, Options options) {
        int n = stream.samples();
        int d = stream.dimension();
        RandomCutForest forest = RandomCutForest.builder().dimensions(d).randomSeed(options.seed()).build();
        String config = String.format(Locale.ROOT, "%d trees, sample size %d, shingle %d, time decay %.3g, output "
                + "after %d, precision %s", forest.getNumberOfTrees(), forest.getSampleSize(),
                forest.getShingleSize(), forest.getTimeDecay(), forest.getOutputAfter(), forest.getPrecision());
        double[] scores = new double[n];
        int half = n / 2;
        for (int t = 0; t < half; t++) {
            float[] x = row(stream, t);
            scores[t] = forest.getAnomalyScore(x);
            forest.update(x);
        }
        long start = System.nanoTime();
        for (int t = half; t < n; t++) {
            float[] x = row(stream, t);
            scores[t] = forest.getAnomalyScore(x);
            forest.update(x);
        }
        long nanos = System.nanoTime() - start;
        boolean[] flags = new boolean[n];
        boolean[] abstained = new boolean[n];
        long changes = threshold(scores, options, flags, abstained);
        MethodRun run = evaluate("RCF", (n - half) / (nanos / 1e9), scores, flags, abstained, stream,
                changes + " changes detected");
        return new RcfPass(run, config);
    }

    /**
     * The detector's online rule over recorded scores: an {@link AdaptiveThreshold} with the detector's defaults
     * (peaks over threshold, change test on, median, blocks of 1024); decide, then record the score.
     *
     * @return the number of changes the test detected
     */
    private static long threshold(double[] scores, Options options, boolean[] flags, boolean[] abstained) {
        // the detector's own threshold: AdaptiveThreshold.builder() defaults are AnomalyDetector.builder()'s
        AdaptiveThreshold threshold = AdaptiveThreshold.builder().quantile(options.quantile())
                .confidence(options.confidence()).build();
        for (int t = 0; t < scores.length; t++) {
            Decision decision = threshold.decide(scores[t]);
            flags[t] = decision == Decision.ANOMALY;
            abstained[t] = decision == Decision.ABSTAIN;
            threshold.observe(scores[t]);
        }
        return threshold.changes();
    }

    private static float[] row(DetectionStream stream, int t) {
        int d = stream.dimension();
        return Arrays.copyOfRange(stream.data(), t * d, t * d + d);
    }

    private static MethodRun trcf(DetectionStream stream, Options options) {
        int n = stream.samples();
        int d = stream.dimension();
        ThresholdedRandomCutForest trcf = ThresholdedRandomCutForest.builder().dimensions(d)
                .randomSeed(options.seed()).build();
        double[] scores = new double[n];
        boolean[] flags = new boolean[n];
        int half = n / 2;
        for (int t = 0; t < half; t++) {
            trcfStep(trcf, stream, t, scores, flags);
        }
        long start = System.nanoTime();
        for (int t = half; t < n; t++) {
            trcfStep(trcf, stream, t, scores, flags);
        }
        long nanos = System.nanoTime() - start;
        return evaluate("TRCF", (n - half) / (nanos / 1e9), scores, flags, new boolean[n], stream, "");
    }

    private static void trcfStep(ThresholdedRandomCutForest trcf, DetectionStream stream, int t, double[] scores,
                                 boolean[] flags) {
        double[] x = new double[stream.dimension()];
        stream.copy(t, x);
        AnomalyDescriptor result = trcf.process(x, t);
        scores[t] = result.getRCFScore();
        flags[t] = result.getAnomalyGrade() > 0;
    }

    // ------------------------------------------------------------------ quality

    private static MethodRun evaluate(String method, double samplesPerSecond, double[] scores, boolean[] flags,
                                      boolean[] abstained, DetectionStream stream, String notes) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long abstentions = 0;
        boolean[] truth = stream.anomaly();
        for (int t = 0; t < scores.length; t++) {
            if (flags[t] && truth[t]) {
                tp++;
            } else if (flags[t]) {
                fp++;
            } else if (truth[t]) {
                fn++;
            }
            abstentions += abstained[t] ? 1 : 0;
        }
        double[] ranking = rankingMeasures(scores, truth);
        return new MethodRun(method, samplesPerSecond, ranking[0], ranking[1], tp, fp, fn, abstentions, notes);
    }

    /**
     * {AUC, best F1 in hindsight}: AUC = P(score of a random anomaly > score of a random inlier) + P(tie) / 2,
     * from the rank sum with tied scores given their mean rank; best F1 = the largest F1 of "score >= c" over all
     * cut points c between distinct scores.
     */
    static double[] rankingMeasures(double[] scores, boolean[] positive) {
        int n = scores.length;
        Integer[] index = new Integer[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        Arrays.sort(index, (a, b) -> Double.compare(scores[a], scores[b]));
        long positives = 0;
        for (boolean p : positive) {
            positives += p ? 1 : 0;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double rankSum = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[index[j + 1]] == scores[index[i]]) {
                j++;
            }
            double meanRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (positive[index[k]]) {
                    rankSum += meanRank;
                }
            }
            i = j + 1;
        }
        double auc = (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
        // best F1: walk from the highest score down, cutting only between distinct values
        double best = 0;
        long tp = 0;
        long flagged = 0;
        int k = n - 1;
        while (k >= 0) {
            int j = k;
            while (j - 1 >= 0 && scores[index[j - 1]] == scores[index[k]]) {
                j--;
            }
            for (int m = j; m <= k; m++) {
                flagged++;
                tp += positive[index[m]] ? 1 : 0;
            }
            best = Math.max(best, 2.0 * tp / (flagged + positives));
            k = j - 1;
        }
        return new double[] {auc, best};
    }

    // ------------------------------------------------------------------ report

    static String render(List<DimResult> results, Options options, String rcfConfig) {
        StringBuilder out = new StringBuilder();
        out.append("### clipstream AnomalyDetector vs AWS Random Cut Forest 4.4.0, same stream\n\n");
        out.append("- JDK ").append(Runtime.version()).append(", ").append(System.getProperty("java.vm.name"))
                .append("; one JVM, single-threaded; clipstream kernels ").append(KernelProvider.kernels().name())
                .append(" (FloatVector.SPECIES_PREFERRED = ").append(FloatVector.SPECIES_PREFERRED.vectorBitSize())
                .append(" bits, FMA ").append(KernelProvider.useFma()).append(")\n");
        out.append("- ").append(MachineInfo.read().describe()).append('\n');
        out.append(String.format(Locale.ROOT, "- Stream: %s (seed %d), shortened to %,d samples: Student-t(3) noise, "
                + "%s in one fixed direction, drift 2e-5 radii per sample, jumps of 10 radii at 35%% and 70%%.%n",
                options.scenario() == DetectionStream.Scenario.FAR_ONLY ? "the demo's far-only scenario"
                        : "the demo's default (masking) scenario", options.seed(), options.samples(),
                options.scenario() == DetectionStream.Scenario.FAR_ONLY ? "5% anomalies at 10 radii +-50%"
                        : "4% anomalies, half loud (200 radii +-50%), half subtle (5 radii +-50%)"));
        out.append(String.format(Locale.ROOT, "- clipstream: `AnomalyDetector` over `MeanEstimator.builder(d).build()`, "
                + "p = %s, a = %s, flags = ANOMALY decisions. RCF: `RandomCutForest` with its defaults (%s), "
                + "`getAnomalyScore` then `update`; its scores thresholded by clipstream's `AdaptiveThreshold` "
                + "with the same p and a. TRCF: `ThresholdedRandomCutForest` with its defaults, flags = grade > 0.%n%n",
                options.quantile(), options.confidence(), rcfConfig));

        out.append("#### Throughput, samples per second (second half of each pass)\n\n");
        out.append("| d | samples | clipstream | RCF score+update | TRCF process | clipstream / RCF | "
                + "clipstream / TRCF |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (DimResult r : results) {
            out.append(String.format(Locale.ROOT, "| %d | %,d | %,.0f | %,.0f | %,.0f | %.0fx | %.0fx |%n", r.dim(),
                    r.samples(), r.clipstream().samplesPerSecond(), r.rcf().samplesPerSecond(),
                    r.trcf().samplesPerSecond(), r.clipstream().samplesPerSecond() / r.rcf().samplesPerSecond(),
                    r.clipstream().samplesPerSecond() / r.trcf().samplesPerSecond()));
        }
        out.append("\n#### Detection quality (whole stream)\n\n");
        out.append("AUC and best F1 rank the raw scores (threshold-free; best F1 picks the best fixed threshold in "
                + "hindsight); precision, recall and F1 are those of the online flags; abstained: samples whose "
                + "score fell inside the threshold interval (neither flagged nor cleared).\n\n");
        out.append("| d | anomalies | method | AUC | best F1 (hindsight) | precision | recall | F1 | flagged | "
                + "abstained |\n");
        out.append("|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (DimResult r : results) {
            for (MethodRun m : List.of(r.clipstream(), r.rcf(), r.trcf())) {
                String label = switch (m.method()) {
                    case "clipstream" -> "clipstream, ANOMALY at p = " + options.quantile();
                    case "RCF" -> "RCF score + AdaptiveThreshold(p = " + options.quantile() + ")";
                    default -> "TRCF, grade > 0 (defaults)";
                };
                String abstained = m.method().equals("TRCF") ? "–" : String.format(Locale.ROOT, "%.1f%%",
                        100.0 * m.abstentions() / r.samples());
                out.append(String.format(Locale.ROOT, "| %d | %,d | %s | %.4f | %.3f | %.3f | %.3f | %.3f | %,d | %s |%n",
                        r.dim(), r.anomalies(), label, m.auc(), m.bestF1(), m.precision(), m.recall(), m.f1(),
                        m.truePositives() + m.falsePositives(), abstained));
            }
        }
        out.append('\n');
        return out.toString();
    }
}
