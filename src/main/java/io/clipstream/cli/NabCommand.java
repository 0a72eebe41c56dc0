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
        description = {"Scores univariate timestamp,value series in the Numenta Anomaly Benchmark layout",
            "(DIR/<category>/<file>.csv): each file gets its own causal detector (a window of recent values, a",
            "clipped-SGD model of it, and the tail probability of its error), and OUT/<category>/<file>.csv gets",
            "timestamp,value,anomaly_score rows with scores in [0, 1], the layout NAB's scorer reads."})
final class NabCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "input directory: DIR/<category>/<file>.csv")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created if needed)")
    Path out;

    @Option(names = "--window", description = "recent values per window (default: ${DEFAULT-VALUE})")
    int window = Nab.Settings.defaults().window();

    @Option(names = "--model", description = "model of the window: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Nab.Model model = Nab.Settings.defaults().model();

    @Option(names = "--ar-step", description = "normalised step of the autoregression (default: ${DEFAULT-VALUE})")
    double arStep = Nab.Settings.defaults().arStep();

    @Option(names = "--mean-half-life", description = "half-life in rows of the window mean (default: ${DEFAULT-VALUE})")
    double meanHalfLife = Nab.Settings.defaults().meanHalfLife();

    @Option(names = "--norm-half-life",
            description = "half-life in rows of the robust location and scale (default: ${DEFAULT-VALUE})")
    double normHalfLife = Nab.Settings.defaults().normHalfLife();

    @Option(names = "--smoothing", description = "raw scores averaged before the tail mapping (default: ${DEFAULT-VALUE})")
    int smoothing = Nab.Settings.defaults().smoothing();

    @Option(names = "--history", description = "recent raw scores the tail model uses (default: ${DEFAULT-VALUE})")
    int history = Nab.Settings.defaults().history();

    @Option(names = "--tail-quantile",
            description = "quantile above which an exponential tail is fitted (default: ${DEFAULT-VALUE})")
    double tailQuantile = Nab.Settings.defaults().tailQuantile();

    @Option(names = "--suppress",
            description = "rows after a score during which no lower score is emitted (default: ${DEFAULT-VALUE})")
    int suppress = Nab.Settings.defaults().suppress();

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Nab.Settings s;
        try {
            s = new Nab.Settings(window, model, arStep, meanHalfLife, normHalfLife, smoothing, history, tailQuantile,
                    suppress);
        } catch (IllegalArgumentException e) {
            throw new Main.UserException("nab: " + e.getMessage());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Nab.Result r;
        try {
            Progress progress = new Progress(spec.commandLine().getErr(), "nab", Nab.totalRows(data), !noProgress);
            r = Nab.run(data, out, s, progress::update);
        } catch (IOException e) {
            String message = Main.userMessage(e);
            throw new Main.UserException("nab: " + message);
        }
        stdout.printf("%d files, %,d rows in %.1f s; scores in %s%n", r.files(), r.rows(),
                (System.nanoTime() - t0) / 1e9, out);
        stdout.flush();
        return 0;
    }
}
