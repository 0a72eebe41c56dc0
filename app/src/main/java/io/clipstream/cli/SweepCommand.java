package io.clipstream.cli;

import io.clipstream.experiments.Sweep;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The robustness sweep (also {@code mvn -q -DskipTests package exec:exec@sweep}). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Compares clipped SGD, plain SGD, 1/t and Huber-loss SGD over corruption (0-40%%), tail and",
            "drift on synthetic streams; writes sweep.csv, sweep.svg and sweep.md into --out."})
final class SweepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", description = "output directory (default: ${DEFAULT-VALUE})", defaultValue = "sweep")
    Path out;

    @Option(names = "--samples", description = "samples per run (default: ${DEFAULT-VALUE})", defaultValue = "40000")
    int samples;

    @Option(names = "--seeds", description = "seeds per configuration (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int seeds;

    @Option(names = "--threads", description = "worker threads (default: the number of processors)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (samples < 100) {
            throw Main.usage(spec, "--samples must be >= 100: " + samples);
        }
        if (seeds < 1) {
            throw Main.usage(spec, "--seeds must be >= 1: " + seeds);
        }
        if (threads != null && threads < 1) {
            throw Main.usage(spec, "--threads must be >= 1: " + threads);
        }
        OutputCheck.directory(spec, "--out", out);
        for (String name : new String[] {"sweep.csv", "sweep.svg", "sweep.md"}) {
            OutputCheck.file(spec, "--out", out.resolve(name)); // before the runs, not after them
        }
        OutputCheck.writable("--out", out);
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        var err = spec.commandLine().getErr();
        String summary = Sweep.run(new Sweep.Settings(out, samples, seeds, Math.max(1, t)), line -> {
            err.println(line);
            err.flush();
        });
        spec.commandLine().getOut().print(summary);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
