package io.clipstream.cli;

import io.clipstream.experiments.Nab;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Anomaly scores for univariate series in the NAB layout. */
@Command(name = "nab", mixinStandardHelpOptions = true,
        description = "Scores univariate timestamp,value series in the Numenta Anomaly Benchmark layout "
            + "(DIR/<category>/<file>.csv): each file gets its own causal detector (one clipped-SGD regression over "
            + "lags, moving levels and seasonal values; the tail probabilities of its errors and of the value, over three "
            + "memories at once; the same on the means of blocks of 5 rows), and "
            + "OUT/<category>/<file>.csv gets timestamp,value,anomaly_score,surprise rows (the layout NAB's scorer "
            + "reads): with the defaults the score is 1 at an alarm and 0 elsewhere; the surprise is in decades.")
final class NabCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "input directory: DIR/<category>/<file>.csv")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created if needed)")
    Path out;

    @Option(names = "--lags", description = "recent values among the model's features (default: ${DEFAULT-VALUE})")
    int lags = Nab.Settings.defaults().lags();

    @Option(names = "--scales",
            description = "robust moving levels among the features, half-lives 4, 16, 64, ... rows (default: ${DEFAULT-VALUE})")
    int scales = Nab.Settings.defaults().scales();

    @Option(names = "--no-seasonal", description = "no seasonal features (values 1, 2 and 7 days earlier)")
    boolean noSeasonal = !Nab.Settings.defaults().seasonal();

    @Option(names = "--no-far", description = "no far model (the regression without the recent past)")
    boolean noFar = !Nab.Settings.defaults().far();

    @Option(names = "--no-level", description = "no channel for the value's own rank (new extremes)")
    boolean noLevel = !Nab.Settings.defaults().level();

    @Option(names = "--history", description = "recent values per tail model (the shortest, with --memories above 1) (default: ${DEFAULT-VALUE})")
    int history = Nab.Settings.defaults().history();

    @Option(names = "--memories", description = "tail models per channel, over history, 2 history, 4 history, ... "
            + "rows (default: ${DEFAULT-VALUE})")
    int memories = Nab.Settings.defaults().memories();

    @Option(names = "--short-mean",
            description = "rows over which model errors are also averaged; 0: none (default: ${DEFAULT-VALUE})")
    int shortMean = Nab.Settings.defaults().shortMean();

    @Option(names = "--long-mean",
            description = "a second, longer average of model errors; 0: none (default: ${DEFAULT-VALUE})")
    int longMean = Nab.Settings.defaults().longMean();

    @Option(names = "--alarm", description = "surprise (decades of tail probability) that raises an alarm, score 1; "
            + "0: graded scores instead (default: ${DEFAULT-VALUE})")
    double alarm = Nab.Settings.defaults().alarm();

    @Option(names = "--suppress", description = "rows after an alarm without another; for graded scores, rows after "
            + "a report during which only larger ones count (default: ${DEFAULT-VALUE})")
    int suppress = Nab.Settings.defaults().suppress();

    @Option(names = "--suppress-days", description = "alarms only: if above 0, the rows after an alarm without "
            + "another are this many days of rows once the timestamps give the period (default: ${DEFAULT-VALUE})")
    int suppressDays = Nab.Settings.defaults().suppressDays();

    @Option(names = "--no-episodes", description = "the hold-off after an alarm counts from the alarm (by default it "
            + "restarts at every row whose surprise reaches the alarm level, so one lasting departure raises one alarm)")
    boolean noEpisodes = !Nab.Settings.defaults().episodes();

    @Option(names = "--margin",
            description = "graded scores only: score by which a report must exceed a recent one (default: ${DEFAULT-VALUE})")
    double margin = Nab.Settings.defaults().margin();

    @Option(names = "--time-scales", description = "coarser time scales: the same detector on the means of blocks of "
            + "--first-block, --first-block * --block-ratio, ... rows; 0: none (default: ${DEFAULT-VALUE})")
    int timeScales = Nab.Settings.defaults().timeScales();

    @Option(names = "--first-block", description = "rows in the first coarse block (default: ${DEFAULT-VALUE})")
    int firstBlock = Nab.Settings.defaults().firstBlock();

    @Option(names = "--block-ratio", description = "how many times longer each next coarse block is "
            + "(default: ${DEFAULT-VALUE})")
    int blockRatio = Nab.Settings.defaults().blockRatio();

    @Option(names = "--burn-in", description = "model errors the tail models do not record at the start (the "
            + "models' learning transient), counted in each detector's own rows (block means for the coarse time "
            + "scales); 128 for series of a few thousand rows, where anomalies in the first ~history + 100 rows can "
            + "otherwise be missed; costs false alarms on long ones (default: ${DEFAULT-VALUE})")
    int burnIn = Nab.Settings.defaults().burnIn();

    @Option(names = "--prior",
            description = "use the configuration fixed before any NAB score of this detector was computed (graded)")
    boolean prior;

    @Option(names = "--prior2", description = "use PRIOR-2, the second configuration fixed before any NAB score of it "
            + "was computed (round 2's detector without episodes: no coarse time scale)")
    boolean prior2;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    /** The options that {@code --prior} and {@code --prior2} fix. */
    private static final String[] SETTINGS = {"--lags", "--scales", "--no-seasonal", "--no-far", "--no-level",
        "--history", "--memories", "--short-mean", "--long-mean", "--alarm", "--suppress", "--suppress-days",
        "--no-episodes", "--margin", "--time-scales", "--first-block", "--block-ratio", "--burn-in"};

    @Override
    public Integer call() throws Exception {
        Nab.Settings s;
        try {
            if (prior && prior2) {
                throw new IllegalArgumentException("--prior and --prior2 are alternatives");
            }
            var parsed = spec.commandLine().getParseResult();
            if (prior || prior2) {
                for (String option : SETTINGS) {
                    if (parsed.hasMatchedOption(option)) {
                        throw new IllegalArgumentException((prior ? "--prior" : "--prior2") + " fixes every setting: "
                                + option + " does not go with it");
                    }
                }
            }
            // graded scores (--alarm 0) have no alarm-only hold-off: drop the defaults' unless asked for
            int days = alarm == 0 && !parsed.hasMatchedOption("--suppress-days") ? 0 : suppressDays;
            boolean episodes = !noEpisodes && alarm != 0;
            s = prior ? Nab.Settings.prior() : prior2 ? Nab.Settings.prior2() : new Nab.Settings(lags, scales,
                    !noSeasonal, !noFar, !noLevel, history, memories, shortMean, longMean, suppress, days, episodes,
                    margin, alarm, timeScales, firstBlock, blockRatio, burnIn);
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, "nab: " + e.getMessage()); // every setting is an option value
        }
        OutputCheck.directory(spec, "--out", out);
        try {
            OutputCheck.outsideData(spec, data, out, Nab.find(data));
        } catch (IOException e) {
            throw new Main.UserException("nab: " + Main.userMessage(e));
        }
        OutputCheck.writable("--out", out);
        PrintWriter stdout = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Nab.Result r;
        try {
            Progress progress = new Progress(spec.commandLine().getErr(), "nab", Nab.totalRows(data), !noProgress);
            try {
                r = Nab.run(data, out, s, progress::update);
            } finally {
                progress.finish();
            }
        } catch (IOException e) {
            String message = Main.userMessage(e);
            throw new Main.UserException("nab: " + message);
        }
        Main.warn(spec, "nab", r.warnings());
        stdout.printf("%d files, %,d rows in %.1f s; scores in %s%n", r.files(), r.rows(),
                (System.nanoTime() - t0) / 1e9, out);
        stdout.flush();
        return 0;
    }
}
