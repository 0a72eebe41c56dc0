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

    @Option(names = "--window", description = "recent values the autoregression sees (default: ${DEFAULT-VALUE})")
    int window = Nab.Settings.defaults().window();

    @Option(names = "--no-seasonal", description = "no seasonal model (values 1, 2 and 7 days earlier)")
    boolean noSeasonal;

    @Option(names = "--no-level", description = "do not score the distance from the running location")
    boolean noLevel;

    @Option(names = "--smoothing",
            description = "rows over which model errors are also averaged; 0: none (default: ${DEFAULT-VALUE})")
    int smoothing = Nab.Settings.defaults().smoothing();

    @Option(names = "--history", description = "recent raw scores per tail model (default: ${DEFAULT-VALUE})")
    int history = Nab.Settings.defaults().history();

    @Option(names = "--second-weight",
            description = "weight of the second most surprised channel (default: ${DEFAULT-VALUE})")
    double secondWeight = Nab.Settings.defaults().secondWeight();

    @Option(names = "--suppress",
            description = "rows after a reported surprise during which only larger ones count (default: ${DEFAULT-VALUE})")
    int suppress = Nab.Settings.defaults().suppress();

    @Option(names = "--margin",
            description = "decades by which a surprise must exceed a recent one (default: ${DEFAULT-VALUE})")
    double margin = Nab.Settings.defaults().margin();

    @Option(names = "--prior", description = "use the configuration fixed before any NAB score was computed")
    boolean prior;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Nab.Settings s;
        try {
            s = prior ? Nab.Settings.prior() : new Nab.Settings(window, !noSeasonal, !noLevel, smoothing, history,
                    secondWeight, suppress, margin);
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
