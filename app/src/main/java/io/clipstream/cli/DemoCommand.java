package io.clipstream.cli;

import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.experiments.Demo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The embedded default scenario: no files, no downloads. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the embedded scenario: a heavy-tailed stream with drift, change points and anomalies",
            "in one direction, loud ones that drag an unclipped estimate and subtle ones that it then masks;",
            "tracked by clipped SGD, plain SGD and the 1/t schedule, each with an adaptive anomaly threshold.",
            "Prints the scores' and the decisions' tables and writes a self-contained HTML report.",
            "With --seeds/--dims/--loud-distances: one summary line per combination instead."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--samples", description = "stream length (default: ${DEFAULT-VALUE})", defaultValue = "200000")
    int samples;

    @Option(names = "--dim", description = "sample dimension (default: ${DEFAULT-VALUE})", defaultValue = "256")
    int dimension;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})", defaultValue = "7")
    long seed;

    @Option(names = "--scenario", description = "masking (loud and subtle anomalies) or far-only (the former "
            + "default: every anomaly far enough for either estimate) (default: ${DEFAULT-VALUE})", defaultValue = "masking")
    String scenario;

    @Option(names = "--loud-distance", description = "distance of the loud anomalies in noise radii (default: 200 for "
            + "masking, 10 for far-only)")
    Double loudDistance;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED", description = "robustness check: run every seed (with "
            + "every --dims and --loud-distances) and print one summary line per run")
    long[] seeds;

    @Option(names = "--dims", split = ",", paramLabel = "D", description = "dimensions for the robustness check")
    int[] dims;

    @Option(names = "--loud-distances", split = ",", paramLabel = "R", description = "loud distances for the robustness check")
    double[] loudDistances;

    @Option(names = "--quantile", description = "detectors' target quantile p (default: ${DEFAULT-VALUE})",
            defaultValue = "0.99")
    double quantile;

    @Option(names = "--confidence", description = "detectors' confidence a (default: ${DEFAULT-VALUE})",
            defaultValue = "0.05")
    double confidence;

    @Option(names = "--report", description = "HTML report to write (default: ${DEFAULT-VALUE})",
            defaultValue = "clipstream-report.html")
    Path report;

    @Option(names = "--no-report", description = "do not write the report")
    boolean noReport;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Demo.Settings d = switch (scenario) {
            case "masking" -> Demo.Settings.defaults();
            case "far-only" -> Demo.Settings.farOnly();
            default -> throw Main.usage(spec, "--scenario must be masking or far-only: " + scenario);
        };
        if (!(quantile >= AdaptiveThreshold.MIN_PEAKS_QUANTILE && quantile < 1)) {
            throw Main.usage(spec, "--quantile must be in [" + AdaptiveThreshold.MIN_PEAKS_QUANTILE
                    + ", 1) (the detectors use peaks over threshold, an upper-tail model): " + quantile);
        }
        if (confidence <= 0 || confidence >= 1) {
            throw Main.usage(spec, "--confidence must be in (0, 1): " + confidence);
        }
        var parsed = spec.commandLine().getParseResult();
        String list = seeds != null ? "--seeds" : dims != null ? "--dims" : loudDistances != null ? "--loud-distances"
                : null;
        for (String[] pair : new String[][] {{"--seed", "--seeds"}, {"--dim", "--dims"},
            {"--loud-distance", "--loud-distances"}}) {
            if (parsed.hasMatchedOption(pair[0]) && parsed.hasMatchedOption(pair[1])) {
                throw Main.usage(spec, pair[0] + " and " + pair[1] + " do not go together (give the value in "
                        + pair[1] + ")");
            }
        }
        if (noReport && parsed.hasMatchedOption("--report")) {
            throw Main.usage(spec, "--report and --no-report do not go together");
        }
        if (list != null && parsed.hasMatchedOption("--report")) {
            throw Main.usage(spec, "--report and " + list
                    + " do not go together (" + list + " prints one summary line per run and writes no report)");
        }
        Main.checkListItems(spec, "--seeds", "--dims", "--loud-distances");
        if (list == null && !noReport) {
            OutputCheck.file(spec, "--report", report);
        }
        Demo.Settings s;
        try {
            s = d.resized(samples, dimension, seed).withThreshold(quantile, confidence);
            if (loudDistance != null) {
                s = s.withAnomalyDistance(loudDistance);
            }
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, "demo: " + e.getMessage()); // every setting is an option value
        }
        if (list != null) {
            // every combination is checked before the first run, so that a bad value does not stop the check later
            for (double distance : loudDistances != null ? loudDistances : new double[] {s.anomalyDistance()}) {
                for (int dim : dims != null ? dims : new int[] {s.dimension()}) {
                    try {
                        s.resized(samples, dim, s.seed()).withAnomalyDistance(distance);
                    } catch (IllegalArgumentException e) {
                        throw Main.usage(spec, "demo: " + e.getMessage());
                    }
                }
            }
            return check(s, out);
        }
        out.println(Demo.describe(s));
        out.println();
        out.flush();
        Progress progress = new Progress(spec.commandLine().getErr(), "demo", samples, !noProgress);
        long t0 = System.nanoTime();
        Demo.Result r = Demo.run(s, progress::update);
        out.print(Demo.table(r));
        out.printf("%n%,d samples x 3 detectors in %.1f s on %s kernels.%n", samples, (System.nanoTime() - t0) / 1e9,
                r.kernels());
        if (!noReport) {
            Demo.report(r, report, Environment.describe());
            out.println("Report: " + report.toAbsolutePath());
        }
        out.flush();
        return 0;
    }

    private int check(Demo.Settings s, PrintWriter out) {
        long[] seedList = seeds != null ? seeds : new long[] {s.seed()};
        int[] dimList = dims != null ? dims : new int[] {s.dimension()};
        double[] distanceList = loudDistances != null ? loudDistances : new double[] {s.anomalyDistance()};
        out.println(Demo.describe(s, true));
        out.println();
        out.println("Per run: AUC, best F1, F1 of the rolling rule, F1 of the detector's decisions.");
        out.println(Demo.summaryHeader());
        out.flush();
        for (double distance : distanceList) {
            for (int dim : dimList) {
                for (long sd : seedList) {
                    Demo.Settings one;
                    try {
                        one = s.resized(samples, dim, sd).withAnomalyDistance(distance);
                    } catch (IllegalArgumentException e) {
                        throw Main.usage(spec, "demo: " + e.getMessage());
                    }
                    out.println(Demo.summaryLine(Demo.run(one, t -> { })));
                    out.flush();
                }
            }
        }
        return 0;
    }
}
