package io.clipstream.cli;

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
        description = {"Runs the embedded scenario: a heavy-tailed stream with anomalies, drift and change points,",
            "tracked by clipped SGD, plain SGD and the 1/t schedule, each with an adaptive anomaly threshold.",
            "Prints a summary table and writes a self-contained HTML report."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--samples", description = "stream length (default: ${DEFAULT-VALUE})", defaultValue = "200000")
    int samples;

    @Option(names = "--dim", description = "sample dimension (default: ${DEFAULT-VALUE})", defaultValue = "256")
    int dimension;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})", defaultValue = "7")
    long seed;

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
        Demo.Settings d = Demo.Settings.defaults();
        if (quantile <= 0 || quantile >= 1) {
            throw new Main.UserException("--quantile must be in (0, 1): " + quantile);
        }
        if (confidence <= 0 || confidence >= 1) {
            throw new Main.UserException("--confidence must be in (0, 1): " + confidence);
        }
        long[] changes = {Math.round(samples * 0.35), Math.round(samples * 0.7)};
        Demo.Settings s = new Demo.Settings(samples, dimension, d.anomalyFraction(), d.anomalyDistance(),
                d.driftPerSample(), changes, d.jump(), quantile, confidence, seed);
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
}
