package io.clipstream.cli;

import io.clipstream.experiments.Idx;
import io.clipstream.experiments.Mnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The paper's MNIST experiment on IDX files. */
@Command(name = "mnist", mixinStandardHelpOptions = true,
        description = {"The clipped-SGD paper's experiment: the ordinary input is one MNIST digit under random",
            "rotations, other digits are anomalies, and the ordinary digit switches every N samples. A logistic",
            "model and the mean estimator (clipped SGD) against plain SGD and a static threshold: AUC,",
            "precision/recall, abstentions and adaptation delay after each switch; writes an HTML report."})
final class MnistCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--images", required = true, description = "IDX image file, gzipped or not")
    Path images;

    @Option(names = "--labels", required = true, description = "IDX label file, gzipped or not")
    Path labels;

    @Option(names = "--samples", description = "stream length (default: ${DEFAULT-VALUE})", defaultValue = "30000")
    int samples;

    @Option(names = "--switch-every", description = "samples between digit switches (default: ${DEFAULT-VALUE})",
            defaultValue = "6000")
    int switchEvery;

    @Option(names = "--anomalies", description = "fraction of other digits (default: ${DEFAULT-VALUE})",
            defaultValue = "0.1")
    double anomalies;

    @Option(names = "--rotation", description = "largest rotation in degrees (default: ${DEFAULT-VALUE})",
            defaultValue = "45")
    double rotation;

    @Option(names = "--glitches", description = "fraction of glitch inputs, every pixel x100 (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    double glitches;

    @Option(names = "--features", description = "logistic models' input: random-relu or pixels (default: ${DEFAULT-VALUE})",
            defaultValue = "random-relu")
    String features;

    @Option(names = "--feature-count", description = "random features (default: ${DEFAULT-VALUE})", defaultValue = "1024")
    int featureCount;

    @Option(names = "--negatives", description = "background images per stream image (default: ${DEFAULT-VALUE})",
            defaultValue = "2")
    int negatives;

    @Option(names = "--logistic-step", description = "constant step of the logistic models (default: ${DEFAULT-VALUE})",
            defaultValue = "1.0")
    double logisticStep;

    @Option(names = "--quantile", description = "detectors' target quantile p (default: ${DEFAULT-VALUE})",
            defaultValue = "0.85")
    double quantile;

    @Option(names = "--confidence", description = "detectors' confidence a (default: ${DEFAULT-VALUE})",
            defaultValue = "0.05")
    double confidence;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})", defaultValue = "11")
    long seed;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED",
            description = "run once per seed (comma-separated) and print the AUC of every model per seed, with mean and minimum, instead of one full run")
    long[] seeds;

    @Option(names = "--report", description = "HTML report to write (default: ${DEFAULT-VALUE})",
            defaultValue = "clipstream-mnist.html")
    Path report;

    @Option(names = "--no-report", description = "do not write the report")
    boolean noReport;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        var parsed = spec.commandLine().getParseResult();
        Main.checkListItems(spec, "--seeds");
        if (noReport && parsed.hasMatchedOption("--report")) {
            throw Main.usage(spec, "--report and --no-report do not go together");
        }
        if (seeds != null) {
            for (String option : new String[] {"--seed", "--report"}) {
                if (parsed.hasMatchedOption(option)) {
                    throw Main.usage(spec, option + " and --seeds do not go together (--seeds runs every seed given "
                            + "and prints their AUCs, with no report)");
                }
            }
        } else if (!noReport) {
            OutputCheck.file(spec, "--report", report);
        }
        for (Path p : new Path[] {images, labels}) {
            if (Files.isDirectory(p)) {
                throw new Main.UserException("mnist: " + p + ": is a directory (expected an IDX file)");
            }
            if (!Files.isRegularFile(p)) {
                throw new Main.UserException("mnist: no such file: " + p);
            }
        }
        Mnist.Settings s;
        try {
            Mnist.Features kind = switch (features) {
                case "random-relu" -> Mnist.Features.RANDOM_RELU;
                case "pixels" -> Mnist.Features.PIXELS;
                default -> throw new IllegalArgumentException("--features must be random-relu or pixels: " + features);
            };
            s = new Mnist.Settings(samples, switchEvery, anomalies, rotation, glitches, kind, featureCount, negatives,
                    logisticStep, quantile, confidence, seed);
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, "mnist: " + e.getMessage()); // every setting is an option value
        }
        Idx.Dataset data;
        try {
            data = Idx.read(images, labels);
        } catch (IOException e) {
            throw new Main.UserException("mnist: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (seeds != null) {
            return seedSummary(s, data, out);
        }
        out.println(Mnist.describe(s, data));
        out.println();
        out.flush();
        Progress progress = new Progress(spec.commandLine().getErr(), "mnist", samples, !noProgress);
        long t0 = System.nanoTime();
        Mnist.Result r;
        try {
            r = Mnist.run(data, s, progress::update);
        } catch (IllegalArgumentException e) {
            throw new Main.UserException("mnist: " + e.getMessage());
        }
        out.print(Mnist.table(r));
        out.printf("%n%,d samples in %.1f s.%n", samples, (System.nanoTime() - t0) / 1e9);
        if (!noReport) {
            Mnist.report(r, data, report, Environment.describe());
            out.println("Report: " + report.toAbsolutePath());
        }
        out.flush();
        return 0;
    }

    private int seedSummary(Mnist.Settings s, Idx.Dataset data, PrintWriter out) {
        out.println(Mnist.describe(s, data));
        out.println("Seeds " + java.util.Arrays.toString(seeds) + ": AUC per model.");
        out.println();
        long t0 = System.nanoTime();
        java.util.List<Mnist.Result> results = new java.util.ArrayList<>();
        Progress progress = new Progress(spec.commandLine().getErr(), "mnist", (long) samples * seeds.length,
                !noProgress);
        for (int i = 0; i < seeds.length; i++) {
            long done = (long) i * samples;
            results.add(Mnist.run(data, s.withSeed(seeds[i]), t -> progress.update(done + t)));
        }
        out.print(Mnist.seedTable(results));
        out.printf("%n%d runs of %,d samples in %.1f s.%n", seeds.length, samples, (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }
}
