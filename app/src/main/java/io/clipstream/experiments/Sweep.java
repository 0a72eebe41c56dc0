package io.clipstream.experiments;

import io.clipstream.Task;
import io.clipstream.report.SvgChart;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * The robustness sweep: clipped SGD (library defaults), plain SGD, the {@code 1/t} schedule and Huber-loss SGD
 * over corruption fraction (0..40%), tail (Gaussian, Student-t 3 and 2.5, Pareto 2.5) and drift speed (none, one
 * noise radius per 10,000 samples, per 1,000), for the mean (d = 100) and linear regression (d = 20); far
 * corruptions in a fixed direction. The mean's truth starts at the origin, where the estimators start; the
 * models' weights start at norm 3. Writes {@code sweep.csv} (one row per run), {@code sweep.svg} (four panels) and
 * {@code sweep.md} (the summary tables the README shows).
 *
 * <p>Run through the CLI ({@code clipstream sweep --out DIR}) or {@link #main}: {@code --out DIR}, {@code --samples N}
 * (default 40,000 per run), {@code --seeds K} (default 3), {@code --threads T} (default: available processors).
 */
public final class Sweep {

    /** Sweep settings. */
    public record Settings(Path out, int samples, int seeds, int threads) {
    }

    /** One run's outcome, a CSV row. */
    public record Row(Method method, Task task, int dim, double corruption, String tail, double drift, long seed,
                      double error, double excessLoss, double nanosPerSample) {
        String csv() {
            return String.format(Locale.ROOT, "%s,%s,%d,%.2f,%s,%.0e,%d,%.6g,%s,%.1f", method.label(),
                    task.name().toLowerCase(Locale.ROOT), dim, corruption, tail, drift, seed, error,
                    Double.isNaN(excessLoss) ? "" : String.format(Locale.ROOT, "%.6g", excessLoss), nanosPerSample);
        }
    }

    private record TailSpec(String name, Tail tail, double index) {
    }

    private static final List<TailSpec> TAILS = List.of(new TailSpec("gaussian", Tail.GAUSSIAN, 3),
            new TailSpec("student-t(3)", Tail.STUDENT_T, 3), new TailSpec("student-t(2.5)", Tail.STUDENT_T, 2.5),
            new TailSpec("pareto(2.5)", Tail.PARETO, 2.5));
    private static final double[] CORRUPTIONS = {0, 0.1, 0.2, 0.3, 0.4};
    private static final double[] DRIFTS = {0, 1e-4, 1e-3};

    private Sweep() {
    }

    /** Command-line entry point (see the class comment for the options). */
    public static void main(String[] args) throws Exception {
        Path out = Path.of("target", "sweep");
        int samples = 40_000;
        int seeds = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (expected --out DIR, --samples N, --seeds K, --threads T)");
            }
        }
        System.out.print(run(new Settings(out, samples, seeds, threads), System.err::println));
    }

    /**
     * Runs the whole grid and writes the files.
     *
     * @return the Markdown summary (also written to sweep.md)
     */
    public static String run(Settings settings, java.util.function.Consumer<String> log)
            throws IOException, InterruptedException {
        List<Row> rows = grid(settings, log);
        String summary = summary(rows, settings);
        // the three files are written whole and moved into place together, or not at all
        try (OutputFiles batch = new OutputFiles()) {
            batch.add(settings.out().resolve("sweep.csv"), out -> {
                out.write("method,task,dim,corruption,tail,drift,seed,error,excess_heldout_loss,ns_per_sample\n");
                for (Row r : rows) {
                    out.write(r.csv());
                    out.write('\n');
                }
            });
            batch.add(settings.out().resolve("sweep.svg"), out -> out.write(plot(rows)));
            batch.add(settings.out().resolve("sweep.md"), out -> out.write(summary));
            batch.commit();
        }
        log.accept("wrote " + settings.out().resolve("sweep.csv") + ", sweep.svg and sweep.md");
        return summary;
    }

    static List<Row> grid(Settings s, java.util.function.Consumer<String> log) throws InterruptedException {
        List<java.util.concurrent.Callable<Row>> jobs = new ArrayList<>();
        for (Task task : List.of(Task.MEAN, Task.LINEAR)) {
            int d = task == Task.MEAN ? 100 : 20;
            for (TailSpec tail : TAILS) {
                for (double eps : CORRUPTIONS) {
                    for (double drift : DRIFTS) {
                        for (Method m : Method.values()) {
                            for (long seed = 1; seed <= s.seeds(); seed++) {
                                long sd = seed;
                                jobs.add(() -> one(task, d, tail, eps, drift, m, sd, s.samples()));
                            }
                        }
                    }
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, s.threads()));
        try {
            List<Future<Row>> futures = pool.invokeAll(jobs);
            List<Row> rows = new ArrayList<>();
            for (Future<Row> f : futures) {
                try {
                    rows.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a sweep run failed", e.getCause());
                }
            }
            log.accept("sweep: " + rows.size() + " runs of " + s.samples() + " samples");
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    static Row one(Task task, int d, TailSpec tail, double eps, double drift, Method m, long seed, int samples) {
        double radius = task == Task.MEAN ? Math.sqrt(d) : 3;
        SyntheticStream.Builder b = SyntheticStream.builder(task, d).seed(seed).drift(drift * radius);
        if (tail.tail() != Tail.GAUSSIAN) {
            b.tail(tail.tail(), tail.index());
        }
        // the mean's truth starts at the origin, where every estimator starts, so the table measures the
        // steady state rather than how fast each method covers an initial offset (clamped Huber steps need
        // ~10,000 samples for 10 noise radii); models start 3 away from w = 0 for every method alike
        b.offset(task == Task.MEAN ? 0 : radius);
        if (eps > 0) {
            b.corruption(eps, Corruption.FAR_FIXED);
        }
        Run.Result r = Run.run(b.build(), m.build(task, d, 1), samples, samples / 4);
        return new Row(m, task, d, eps, tail.name(), drift, seed, r.error(),
                task == Task.MEAN ? Double.NaN : r.excessLoss(), r.nanosPerSample());
    }

    // ------------------------------------------------------------------ summaries

    private static double mean(List<Row> rows, Predicate<Row> which) {
        return rows.stream().filter(which).mapToDouble(Row::error).average().orElse(Double.NaN);
    }

    static String summary(List<Row> rows, Settings s) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Tracking error (normalised: mean by the noise radius, linear by ||w*||), "
                + "averaged over %d seeds of %d samples after a 25%% burn-in; far corruptions in a fixed direction.%n%n",
                s.seeds(), s.samples()));
        table(md, "Mean (d = 100), Student-t(2.5) noise, no drift: error vs corruption", rows, "corruption",
                CORRUPTIONS, (r, v) -> r.task() == Task.MEAN && r.tail().equals("student-t(2.5)") && r.drift() == 0
                        && r.corruption() == v);
        table(md, "Mean (d = 100), 10% corruption, Student-t(2.5): error vs drift (noise radii per sample)", rows,
                "drift", DRIFTS, (r, v) -> r.task() == Task.MEAN && r.tail().equals("student-t(2.5)")
                        && r.corruption() == 0.1 && r.drift() == v);
        table(md, "Linear regression (d = 20), Student-t(2.5), no drift: parameter error vs corruption", rows,
                "corruption", CORRUPTIONS, (r, v) -> r.task() == Task.LINEAR && r.tail().equals("student-t(2.5)")
                        && r.drift() == 0 && r.corruption() == v);
        md.append("#### Mean (d = 100), 10% corruption, no drift: error vs tail\n\n| tail |");
        for (Method m : Method.values()) {
            md.append(' ').append(m.label()).append(" |");
        }
        md.append("\n|---|").append("---:|".repeat(Method.values().length)).append('\n');
        for (TailSpec t : TAILS) {
            md.append("| ").append(t.name()).append(" |");
            for (Method m : Method.values()) {
                md.append(' ').append(fmt(mean(rows, r -> r.method() == m && r.task() == Task.MEAN
                        && r.tail().equals(t.name()) && r.corruption() == 0.1 && r.drift() == 0))).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        return md.toString();
    }

    private interface Cell {
        boolean test(Row r, double value);
    }

    private static void table(StringBuilder md, String title, List<Row> rows, String column, double[] values,
                              Cell cell) {
        md.append("#### ").append(title).append("\n\n| ").append(column).append(" |");
        for (Method m : Method.values()) {
            md.append(' ').append(m.label()).append(" |");
        }
        md.append("\n|---:|").append("---:|".repeat(Method.values().length)).append('\n');
        for (double v : values) {
            md.append("| ").append(column.equals("drift") ? (v == 0 ? "0" : String.format(Locale.ROOT, "%.0e", v))
                    : String.format(Locale.ROOT, "%.0f%%", 100 * v)).append(" |");
            for (Method m : Method.values()) {
                md.append(' ').append(fmt(mean(rows, r -> r.method() == m && cell.test(r, v)))).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (!Double.isFinite(v) || v >= 1e4) {
            return v > 1e30 || !Double.isFinite(v) ? "diverged" : String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : v >= 1 ? "%.2f" : "%.3f", v);
    }

    // ------------------------------------------------------------------ plot

    static String plot(List<Row> rows) {
        List<String> panels = new ArrayList<>();
        panels.add(panel("Mean, d=100, Student-t(2.5), no drift", "corruption fraction", rows, CORRUPTIONS,
                (r, v) -> r.task() == Task.MEAN && r.tail().equals("student-t(2.5)") && r.drift() == 0
                        && r.corruption() == v));
        panels.add(panel("Mean, d=100, Pareto(2.5), no drift", "corruption fraction", rows, CORRUPTIONS,
                (r, v) -> r.task() == Task.MEAN && r.tail().equals("pareto(2.5)") && r.drift() == 0
                        && r.corruption() == v));
        panels.add(panel("Mean, d=100, 10% corruption, Student-t(2.5)", "drift (noise radii per sample, x1e-3)", rows,
                DRIFTS, (r, v) -> r.task() == Task.MEAN && r.tail().equals("student-t(2.5)") && r.corruption() == 0.1
                        && r.drift() == v));
        panels.add(panel("Linear regression, d=20, Student-t(2.5), no drift (diverged runs drawn at 1e6)",
                "corruption fraction", rows,
                CORRUPTIONS, (r, v) -> r.task() == Task.LINEAR && r.tail().equals("student-t(2.5)") && r.drift() == 0
                        && r.corruption() == v));
        int h = 300;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"%d\">%n", h * panels.size()));
        for (int i = 0; i < panels.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<g transform=\"translate(0,%d)\">%n", i * h))
                    .append(panels.get(i)).append("</g>\n");
        }
        return svg.append("</svg>\n").toString();
    }

    private static String panel(String title, String xLabel, List<Row> rows, double[] xs, Cell cell) {
        SvgChart chart = new SvgChart(title, xLabel, "tracking error (log)", true).size(720, 300);
        double[] x = xs.clone();
        if (xLabel.startsWith("drift")) {
            for (int i = 0; i < x.length; i++) {
                x[i] *= 1000;
            }
        }
        for (Method m : Method.values()) {
            double[] y = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                double v = xs[i];
                y[i] = Math.min(1e6, mean(rows, r -> r.method() == m && cell.test(r, v)));
            }
            chart.line(m.label(), x, y);
        }
        return chart.render();
    }
}
