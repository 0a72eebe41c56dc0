package io.clipstream.cli;

import io.clipstream.experiments.Skab;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Anomaly flags and change points for multivariate sensor files in the SKAB layout. */
@Command(name = "skab", mixinStandardHelpOptions = true,
        description = "Flags anomalous rows of multivariate sensor files in the Skoltech Anomaly Benchmark layout "
                + "(';'-separated, a datetime column, sensor columns, optional anomaly and changepoint labels that the "
                + "detector never reads), every CSV file anywhere under DIR. Each file gets its own causal detector "
                + "(clipped-SGD regressions of each sensor on the others, a multivariate EWMA chart of their "
                + "residuals) whose first --warmup rows are calibration only. OUT/<relative path> gets "
                + "datetime;anomaly;changepoint;score rows (the flag, 1 where a flagged run starts or ends, the "
                + "statistic over its limit): the layout SKAB's outlier scorer reads.")
final class SkabCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "input directory, searched recursively")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created if needed)")
    Path out;

    @Option(names = "--warmup", description = "calibration rows per file, never flagged (default: ${DEFAULT-VALUE})")
    int warmup = Skab.Settings.defaults().warmup();

    @Option(names = "--short-half-life",
            description = "half-life in rows of the short residual mean (default: ${DEFAULT-VALUE})")
    double shortHalfLife = Skab.Settings.defaults().shortHalfLife();

    @Option(names = "--long-half-life",
            description = "half-life in rows of the long residual mean (default: ${DEFAULT-VALUE})")
    double longHalfLife = Skab.Settings.defaults().longHalfLife();

    @Option(names = "--risk",
            description = "per-row false-alarm risk of the chi-square limit, and of the end of a run "
                    + "(default: ${DEFAULT-VALUE})")
    double risk = Skab.Settings.defaults().risk();

    @Option(names = "--drift-half-life",
            description = "half-life in rows of the residual drift tracked on unflagged rows; 0: none "
                    + "(default: ${DEFAULT-VALUE})")
    double driftHalfLife = Skab.Settings.defaults().driftHalfLife();

    @Option(names = "--dead-band",
            description = "residual means within this many standard deviations count as normal "
                    + "(default: ${DEFAULT-VALUE})")
    double deadBand = Skab.Settings.defaults().deadBand();

    @Option(names = "--no-differencing", description = "model every sensor by its level, persistent ones too")
    boolean noDifferencing;

    @Option(names = "--exit-fraction",
            description = "a run ends when the residual along the anomaly is back under half of max(min(size, 2 x dead "
                    + "band), this fraction of the anomaly's size) (default: ${DEFAULT-VALUE})")
    double exitFraction = Skab.Settings.defaults().exitFraction();

    @Option(names = "--prior",
            description = "the configuration fixed before any SKAB score was computed (it fixes every setting: "
                    + "no other setting option goes with it)")
    boolean prior;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    /** The options that {@code --prior} fixes. */
    private static final String[] SETTINGS = {"--warmup", "--short-half-life", "--long-half-life", "--risk",
        "--drift-half-life", "--dead-band", "--no-differencing", "--exit-fraction"};

    @Override
    public Integer call() throws Exception {
        Skab.Settings s;
        try {
            if (prior) {
                var parsed = spec.commandLine().getParseResult();
                for (String option : SETTINGS) {
                    if (parsed.hasMatchedOption(option)) {
                        throw new IllegalArgumentException("--prior fixes every setting: " + option
                                + " does not go with it");
                    }
                }
            }
            s = prior ? Skab.Settings.prior()
                    : new Skab.Settings(warmup, shortHalfLife, longHalfLife, risk, driftHalfLife, deadBand,
                            !noDifferencing, exitFraction);
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, "skab: " + e.getMessage()); // every setting is an option value
        }
        OutputCheck.directory(spec, "--out", out);
        try {
            OutputCheck.outsideData(spec, data, out, Skab.find(data));
        } catch (IOException e) {
            throw new Main.UserException("skab: " + Main.userMessage(e));
        }
        OutputCheck.writable("--out", out);
        PrintWriter stdout = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Skab.Result r;
        try {
            Progress progress = new Progress(spec.commandLine().getErr(), "skab", Skab.totalRows(data), !noProgress);
            try {
                r = Skab.run(data, out, s, progress::update);
            } finally {
                progress.finish();
            }
        } catch (IOException e) {
            throw new Main.UserException("skab: " + Main.userMessage(e));
        }
        Main.warn(spec, "skab", r.warnings());
        stdout.printf("%d files, %,d rows in %.1f s: %,d rows flagged, %,d change points; flags in %s%n", r.files(),
                r.rows(), (System.nanoTime() - t0) / 1e9, r.flagged(), r.changePoints(), out);
        stdout.flush();
        return 0;
    }
}
