package io.clipstream.bench;

import io.clipstream.bench.BenchMain.Part;
import io.clipstream.bench.BenchMain.PartResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The suite's Markdown tables. Every table is headed by the JDK and VM of the forks, their flags, the CPU and
 * its SIMD flags, and the vector species the production kernels used in those forks. Speed-ups are time ratios
 * from the same suite run (e.g. SCALAR time / SIMD time); "–" marks a result that is missing (failed or not run).
 */
final class Report {

    private static final String MISSING = "–";

    private final Map<Part, PartResult> parts;
    private final MachineInfo machine;
    private final StringBuilder out = new StringBuilder();

    private Report(Map<Part, PartResult> parts, MachineInfo machine) {
        this.parts = parts;
        this.machine = machine;
    }

    static String render(Map<Part, PartResult> parts, MachineInfo machine) {
        Report report = new Report(parts, machine);
        report.meanStep();
        report.heap();
        report.meanStep256();
        report.dotAndLinear();
        report.roofline();
        report.streamed();
        report.allocation();
        report.distances();
        report.estimators();
        report.detector();
        report.rcfPeer();
        return report.out.toString();
    }

    // ------------------------------------------------------------------ tables

    private void meanStep() {
        if (!parts.containsKey(Part.MEAN)) {
            return;
        }
        title("(i) Clipped mean step, ns/op (lower is better)", Part.MEAN);
        peerTable(Part.MEAN, "clippedMeanStep", BenchMain.DIMS, true);
    }

    private void heap() {
        if (!parts.containsKey(Part.HEAP)) {
            return;
        }
        title("(i-b) SIMD clipped mean step on heap segments (MemorySegment.ofArray(float[])) vs native, ns/op",
                Part.HEAP);
        row("dim", "SIMD native (table i)", "SIMD heap", "heap / native time", "SIMD heap B/op");
        separator(5);
        for (String dim : BenchMain.DIMS) {
            RunResult nativeResult = find(Part.MEAN, "clippedMeanStep", "dim", dim, "impl", "SIMD");
            RunResult heapResult = find(Part.HEAP, "clippedMeanStep", "dim", dim, "impl", "SIMD");
            dataRow(1, dim, score(nativeResult), score(heapResult), ratio(heapResult, nativeResult),
                    allocation(heapResult));
        }
        out.append('\n');
    }

    private void meanStep256() {
        if (!parts.containsKey(Part.MEAN256)) {
            return;
        }
        title("(ii) Clipped mean step with -XX:MaxVectorSize=32 (AVX2-width vectors), ns/op", Part.MEAN256);
        note("SCALAR and SIMD-256 are one JMH run; the SIMD-512 column is table (i)'s, another run of the same suite "
                + "invocation (the 256-bit flag needs its own forks), so the last ratio is across runs.");
        row("dim", "SCALAR", "SIMD-256", "speed-up vs SCALAR", "SIMD-512 (table i)", "512-bit vs 256-bit speed-up");
        separator(6);
        for (String dim : BenchMain.DIMS_256_BIT) {
            RunResult scalar = find(Part.MEAN256, "clippedMeanStep", "dim", dim, "impl", "SCALAR");
            RunResult simd = find(Part.MEAN256, "clippedMeanStep", "dim", dim, "impl", "SIMD");
            RunResult wide = find(Part.MEAN, "clippedMeanStep", "dim", dim, "impl", "SIMD");
            dataRow(1, dim, score(scalar), score(simd), ratio(scalar, simd), score(wide), ratio(simd, wide));
        }
        out.append('\n');
    }

    private void dotAndLinear() {
        if (parts.containsKey(Part.DOT)) {
            title("(iii-a) Dot product w . x, ns/op", Part.DOT);
            peerTable(Part.DOT, "dot", BenchMain.DIMS, true);
        }
        if (parts.containsKey(Part.LINEAR)) {
            title("(iii-b) Clipped linear-regression step, ns/op", Part.LINEAR);
            peerTable(Part.LINEAR, "clippedLinearStep", BenchMain.DIMS, true);
        }
    }

    private void roofline() {
        if (!parts.containsKey(Part.ROOFLINE)) {
            return;
        }
        title("(iv) Cache-resident roofline: load-only kernel vs clipped mean step", Part.ROOFLINE);
        note("loadOnly loads what one step loads (theta and x, each twice: 16 * dim bytes) and only adds; "
                + "share = loadOnly time / step time (1.0 = the step runs at the speed of its loads); both measured in "
                + "this part's one JMH run.");
        row("dim", "loadOnly ns", "load GB/s", "SIMD step ns", "SIMD share", "SCALAR step ns", "SCALAR share");
        separator(7);
        for (String dim : BenchMain.DIMS) {
            RunResult load = find(Part.ROOFLINE, "loadOnly", "dim", dim);
            RunResult simd = find(Part.ROOFLINE, "clippedMeanStep", "dim", dim, "impl", "SIMD");
            RunResult scalar = find(Part.ROOFLINE, "clippedMeanStep", "dim", dim, "impl", "SCALAR");
            dataRow(1, dim, score(load), bandwidth(load, 16.0 * Integer.parseInt(dim)), score(simd), share(load, simd),
                    score(scalar), share(load, scalar));
        }
        out.append('\n');
    }

    private void streamed() {
        if (!parts.containsKey(Part.STREAM)) {
            return;
        }
        title("(v) DRAM-streamed: 1 GiB of samples, theta in cache; per-sample times and bandwidth of new sample "
                + "data (4 * dim bytes per sample)", Part.STREAM);
        note("share = streamLoadOnly time / streamClippedMeanStep time; GB/s = 4 * dim bytes / ns per sample.");
        row("dim", "load-only ns", "load-only GB/s", "SIMD step ns", "SIMD step GB/s", "SIMD share",
                "SCALAR step GB/s", "SCALAR share");
        separator(8);
        for (String dim : BenchMain.STREAM_DIMS) {
            double bytes = 4.0 * Integer.parseInt(dim);
            RunResult load = find(Part.STREAM, "streamLoadOnly", "dim", dim);
            RunResult simd = find(Part.STREAM, "streamClippedMeanStep", "dim", dim, "impl", "SIMD");
            RunResult scalar = find(Part.STREAM, "streamClippedMeanStep", "dim", dim, "impl", "SCALAR");
            dataRow(1, dim, score(load), bandwidth(load, bytes), score(simd), bandwidth(simd, bytes), share(load, simd),
                    bandwidth(scalar, bytes), share(load, scalar));
        }
        out.append('\n');
    }

    private void allocation() {
        if (!parts.containsKey(Part.MEAN)) {
            return;
        }
        title("(vi) Allocation per clipped mean step, gc.alloc.rate.norm in B/op (GC profiler)", Part.MEAN);
        note("~0 B/op (JMH's own bookkeeping shows as up to ~0.1 B/op when operations are slow) means no garbage on "
                + "the step path; tens of B/op are a few small objects per call that escape analysis did not remove "
                + "(e.g. MemorySegment slices); kilobytes are boxed vectors.");
        row("dim", "SIMD B/op", "SCALAR B/op", "BLAS B/op", "SIMD heap B/op");
        separator(5);
        for (String dim : BenchMain.DIMS) {
            dataRow(1, dim, allocation(find(Part.MEAN, "clippedMeanStep", "dim", dim, "impl", "SIMD")),
                    allocation(find(Part.MEAN, "clippedMeanStep", "dim", dim, "impl", "SCALAR")),
                    allocation(find(Part.MEAN, "clippedMeanStep", "dim", dim, "impl", "BLAS")),
                    allocation(find(Part.HEAP, "clippedMeanStep", "dim", dim, "impl", "SIMD")));
        }
        out.append('\n');
    }

    private void distances() {
        if (!parts.containsKey(Part.DISTANCES)) {
            return;
        }
        title("Batch scoring over 64 rows, ns per row", Part.DISTANCES);
        row("dim", "distances SCALAR", "distances SIMD", "speed-up");
        separator(4);
        for (String dim : List.of("16", "64", "256", "1000", "1024", "4096")) {
            RunResult ds = find(Part.DISTANCES, "distances", "dim", dim, "impl", "SCALAR");
            RunResult dv = find(Part.DISTANCES, "distances", "dim", dim, "impl", "SIMD");
            dataRow(1, dim, score(ds), score(dv), ratio(ds, dv));
        }
        out.append('\n');
    }

    private void detector() {
        if (!parts.containsKey(Part.DETECTOR)) {
            return;
        }
        title("(ix) Anomaly detector: `AnomalyDetector.process` vs the bare estimator update, ns per sample",
                Part.DETECTOR);
        note("Stationary stream (Student-t(3) noise, 5% anomalies, no drift or change points: a change event "
                + "allocates ~160 B), samples copied into one reused `float[]` per call (in both times); detector "
                + "built with the builders' defaults (POT: peaks over threshold, p = 0.99) or with the confidence "
                + "sequence at `quantile(0.9).confidence(0.05)` (CS), warmed up with "
                + DetectorProcessBenchmark.WARMUP_SAMPLES + " samples. threshold ns = detector - update; "
                + "B/op: gc.alloc.rate.norm (target: < 1 B/op).");
        row("threshold", "task", "dim", "detectorProcess ns", "estimatorUpdate ns", "threshold ns",
                "detector / update", "detector B/op", "update B/op");
        separator(9);
        for (String threshold : List.of("POT", "CS")) {
            for (String task : BenchMain.DETECTOR_TASKS) {
                for (String dim : BenchMain.DETECTOR_DIMS) {
                    RunResult process = find(Part.DETECTOR, "detectorProcess", "dim", dim, "task", task,
                            "threshold", threshold);
                    RunResult update = find(Part.DETECTOR, "estimatorUpdate", "dim", dim, "task", task,
                            "threshold", threshold);
                    dataRow(3, threshold, task, dim, score(process), score(update), difference(process, update),
                            share(process, update), allocation(process), allocation(update));
                }
            }
        }
        out.append('\n');
    }

    private void rcfPeer() {
        if (!parts.containsKey(Part.RCF)) {
            return;
        }
        title("(x) Detector vs AWS Random Cut Forest 4.4.0 (defaults: 50 trees x 256 samples, shingle 1), per sample",
                Part.RCF);
        note("The demo's stream (" + RcfPeerBenchmark.SAMPLES + " samples, 5% anomalies, drift, two jumps), read in "
                + "order. clipstream: `AnomalyDetector.process` (defaults: peaks over threshold, p = 0.99); RCF: `getAnomalyScore` + "
                + "`update`; TRCF: `ThresholdedRandomCutForest.process` (B/op includes the fresh `double[d]` input, "
                + "8 d + 16 B). samples/s = 1e9 / ns; RCF / clipstream = time ratio from the same run.");
        row("dim", "clipstream ns", "RCF ns", "TRCF ns", "clipstream samples/s", "RCF samples/s", "TRCF samples/s",
                "RCF / clipstream", "TRCF / clipstream", "B/op clipstream / RCF / TRCF");
        separator(10);
        for (String dim : BenchMain.RCF_DIMS) {
            RunResult clip = find(Part.RCF, "clipstreamDetector", "dim", dim);
            RunResult rcf = find(Part.RCF, "rcfScoreAndUpdate", "dim", dim);
            RunResult trcf = find(Part.RCF, "thresholdedRcf", "dim", dim);
            dataRow(1, dim, score(clip), score(rcf), score(trcf), perSecond(clip), perSecond(rcf), perSecond(trcf),
                    ratio(rcf, clip), ratio(trcf, clip), allocations(clip, rcf, trcf));
        }
        out.append('\n');
    }

    /** Operations per second from ns per operation. */
    private static String perSecond(RunResult r) {
        if (r == null) {
            return MISSING;
        }
        return String.format(Locale.ROOT, "%,.0f", 1e9 / r.getPrimaryResult().getScore());
    }

    private static final Map<String, String> ESTIMATOR_NAMES = Map.of(
            "MEAN", "Mean estimator (`MeanEstimator.builder(d).build()`)",
            "LINEAR", "Linear regression (`LinearRegression.builder(d).build()`)",
            "LOGISTIC", "Logistic regression (`LogisticRegression.builder(d).buildLogistic()`)",
            "SOFTMAX", "Softmax regression, 4 classes (`SoftmaxRegression.builder(d, 4).build()`)");

    /** The criterion of the facade-overhead check at d = 1024: facade time / raw kernel time. */
    private static final double FACADE_LIMIT = 1.15;

    private void estimators() {
        if (!parts.containsKey(Part.ESTIMATOR)) {
            return;
        }
        char letter = 'a';
        for (String task : BenchMain.ESTIMATOR_TASKS) {
            String heading = "(viii-" + letter + ") " + ESTIMATOR_NAMES.get(task)
                    + ": update, score and 64-row batch through the facade, ns per sample";
            if (letter == 'a') {
                title(heading, Part.ESTIMATOR);
                note("update: `update(segment, index[, label])` on a native slab (input SEGMENT). score: "
                        + "`score(x[, label])` without updating, on one `float[]` refilled by `System.arraycopy` "
                        + "before every call (input REUSED, the copy included: the models have no segment score). "
                        + "batch: `updateBatch` over 64 rows with `SKIP_AND_COUNT`, per row (segment form for the "
                        + "mean, `float[]` for the models). speed-up = SCALAR time / SIMD time. facade / raw = SIMD "
                        + "update time / SIMD time of the kernel call(s) the facade makes on the same memory "
                        + "(softmax: its sumSquares + 4 dot + 4 axpy; the others: the fused step kernel); criterion "
                        + "at d = 1024: <= " + FACADE_LIMIT + ". B/op: gc.alloc.rate.norm of the SIMD runs.");
            } else {
                out.append("### ").append(heading).append("\n\n");
                note("Same run, machine and columns as (viii-a).");
            }
            row("dim", "update SCALAR", "update SIMD", "speed-up", "score SCALAR", "score SIMD", "speed-up",
                    "batch SCALAR", "batch SIMD", "speed-up", "raw kernel SIMD", "facade / raw",
                    "SIMD B/op update / score / batch");
            separator(13);
            for (String dim : BenchMain.ESTIMATOR_DIMS) {
                RunResult us = estimator("estimatorUpdate", dim, "SCALAR", task, "SEGMENT");
                RunResult uv = estimator("estimatorUpdate", dim, "SIMD", task, "SEGMENT");
                RunResult ss = estimator("estimatorScore", dim, "SCALAR", task, null);
                RunResult sv = estimator("estimatorScore", dim, "SIMD", task, null);
                RunResult bs = estimator("estimatorBatch", dim, "SCALAR", task, null);
                RunResult bv = estimator("estimatorBatch", dim, "SIMD", task, null);
                RunResult raw = estimator("rawKernelUpdate", dim, "SIMD", task, "SEGMENT");
                boolean key = dim.equals("1024");
                dataRow(1, key ? "**" + dim + "**" : dim, score(us), score(uv), ratio(us, uv), score(ss), score(sv),
                        ratio(ss, sv), score(bs), score(bv), ratio(bs, bv), score(raw), facadeRatio(uv, raw, key),
                        allocations(uv, sv, bv));
            }
            out.append('\n');
            letter++;
        }

        out.append("### (viii-e) Estimator facade overhead over the raw kernel (SIMD), ns per update\n\n");
        note("Same run as (viii-a). SEGMENT: the facade and the kernel read the sample from the native slab. REUSED: "
                + "both first copy the sample into one `float[]` (`System.arraycopy`) and read it from there (the "
                + "facade through its cached `MemorySegment.ofArray` view, the kernel through one made in set-up), "
                + "so the raw REUSED time is the baseline that includes the copy. overhead = facade - raw. "
                + "Criterion: facade / raw <= " + FACADE_LIMIT + " at d = 1024 (bold), and 0 B/op.");
        row("task", "dim", "facade SEGMENT", "raw SEGMENT", "facade / raw", "overhead ns", "facade REUSED",
                "raw REUSED (incl. copy)", "facade / raw", "overhead ns", "facade B/op SEGMENT / REUSED");
        separator(11);
        for (String task : BenchMain.ESTIMATOR_TASKS) {
            for (String dim : BenchMain.ESTIMATOR_DIMS) {
                RunResult fs = estimator("estimatorUpdate", dim, "SIMD", task, "SEGMENT");
                RunResult rs = estimator("rawKernelUpdate", dim, "SIMD", task, "SEGMENT");
                RunResult fr = estimator("estimatorUpdate", dim, "SIMD", task, "REUSED");
                RunResult rr = estimator("rawKernelUpdate", dim, "SIMD", task, "REUSED");
                boolean key = dim.equals("1024");
                dataRow(2, task, key ? "**" + dim + "**" : dim, score(fs), score(rs), facadeRatio(fs, rs, key),
                        difference(fs, rs), score(fr), score(rr), facadeRatio(fr, rr, key), difference(fr, rr),
                        allocations(fs, fr));
            }
        }
        out.append('\n');
        StringBuilder verdict = new StringBuilder("At d = 1024 (SEGMENT): ");
        boolean first = true;
        for (String task : BenchMain.ESTIMATOR_TASKS) {
            RunResult fs = estimator("estimatorUpdate", "1024", "SIMD", task, "SEGMENT");
            RunResult rs = estimator("rawKernelUpdate", "1024", "SIMD", task, "SEGMENT");
            if (fs == null || rs == null) {
                continue;
            }
            double r = fs.getPrimaryResult().getScore() / rs.getPrimaryResult().getScore();
            verdict.append(first ? "" : "; ").append(task).append(String.format(Locale.ROOT, " %.2f", r))
                    .append(r <= FACADE_LIMIT ? " (within " : " (EXCEEDS ").append(FACADE_LIMIT).append(")");
            first = false;
        }
        if (!first) {
            note(verdict.append('.').toString());
        }
    }

    /** An estimator result; {@code input} null for the benchmarks without that parameter. */
    private RunResult estimator(String method, String dim, String impl, String task, String input) {
        return input == null ? find(Part.ESTIMATOR, method, "dim", dim, "impl", impl, "task", task)
                : find(Part.ESTIMATOR, method, "dim", dim, "impl", impl, "task", task, "input", input);
    }

    /** facade / raw as a plain number, bold on the criterion's row, flagged when above the limit there. */
    private static String facadeRatio(RunResult facade, RunResult raw, boolean key) {
        if (facade == null || raw == null) {
            return MISSING;
        }
        double r = facade.getPrimaryResult().getScore() / raw.getPrimaryResult().getScore();
        String text = String.format(Locale.ROOT, "%.2f", r);
        if (!key) {
            return text;
        }
        return "**" + text + "**" + (r > FACADE_LIMIT ? " (> " + FACADE_LIMIT + ")" : "");
    }

    /** Several gc.alloc.rate.norm cells joined by " / "; missing if all are. */
    private static String allocations(RunResult... results) {
        List<String> cells = new ArrayList<>();
        boolean any = false;
        for (RunResult r : results) {
            String cell = allocation(r);
            any |= !cell.equals(MISSING);
            cells.add(cell);
        }
        return any ? String.join(" / ", cells) : MISSING;
    }

    /** {@code a - b} in ns. */
    private static String difference(RunResult a, RunResult b) {
        if (a == null || b == null) {
            return MISSING;
        }
        return String.format(Locale.ROOT, "%.1f", a.getPrimaryResult().getScore() - b.getPrimaryResult().getScore());
    }

    /** dim | SCALAR | SIMD | BLAS | speed-ups of SIMD over both. */
    private void peerTable(Part part, String method, List<String> dims, boolean withBlas) {
        row("dim", "SCALAR", "SIMD", withBlas ? "BLAS" : null, "SIMD speed-up vs SCALAR",
                withBlas ? "SIMD speed-up vs BLAS" : null);
        separator(withBlas ? 6 : 4);
        for (String dim : dims) {
            RunResult scalar = find(part, method, "dim", dim, "impl", "SCALAR");
            RunResult simd = find(part, method, "dim", dim, "impl", "SIMD");
            RunResult blas = withBlas ? find(part, method, "dim", dim, "impl", "BLAS") : null;
            dataRow(1, dim, score(scalar), score(simd), withBlas ? score(blas) : null, ratio(scalar, simd),
                    withBlas ? ratio(blas, simd) : null);
        }
        note("speed-up = other time / SIMD time, measured in the same run; score ± JMH's 99.9% confidence "
                + "half-width (absent with fewer than 2 measured iterations).");
    }

    // ------------------------------------------------------------------ headers

    private void title(String title, Part part) {
        PartResult result = parts.get(part);
        out.append("### ").append(title).append("\n\n");
        Map<String, String> info = result.forkInfo();
        BenchmarkParams params = result.results().isEmpty() ? null : result.results().getFirst().getParams();
        String jdk = info.getOrDefault("java", params == null ? "unknown" : params.getJdkVersion());
        String vm = info.getOrDefault("vm",
                params == null ? "unknown" : params.getVmName() + " " + params.getVmVersion());
        out.append("- JDK ").append(jdk).append(", ").append(vm);
        if (params != null) {
            out.append("; fork flags: `").append(params.getJvmArgs().stream()
                    .filter(arg -> !arg.startsWith("-Dbench.")).collect(Collectors.joining(" "))).append('`');
            out.append("; ").append(params.getForks()).append(" fork(s) x ").append(params.getMeasurement().getCount())
                    .append(" x ").append(params.getMeasurement().getTime()).append(" measured (after ")
                    .append(params.getWarmup().getCount()).append(" x ").append(params.getWarmup().getTime())
                    .append(" warm-up)");
        }
        out.append('\n');
        out.append("- ").append(machine.describe()).append('\n');
        out.append("- production kernels in the forks: ").append(info.getOrDefault("kernels", "unknown"))
                .append(" (FloatVector.SPECIES_PREFERRED = ").append(info.getOrDefault("preferredBits", "?"))
                .append(" bits, FMA ").append(info.getOrDefault("fma", "?")).append(")");
        if (info.containsKey("loadOnlyBits")) {
            out.append("; load-only kernel ").append(info.get("loadOnlyBits")).append("-bit");
        }
        if (info.containsKey("blas")) {
            out.append("; BLAS: ").append(info.get("blas"));
        }
        out.append("\n\n");
    }

    private void note(String text) {
        out.append(text).append("\n\n");
    }

    // ------------------------------------------------------------------ cells

    /** A table row, unless every result cell is missing (a dim the suite did not run). */
    private void dataRow(int keyColumns, String... cells) {
        for (int i = keyColumns; i < cells.length; i++) {
            if (cells[i] != null && !cells[i].equals(MISSING)) {
                row(cells);
                return;
            }
        }
    }

    private void row(String... cells) {
        List<String> kept = new ArrayList<>();
        for (String cell : cells) {
            if (cell != null) {
                kept.add(cell);
            }
        }
        out.append("| ").append(String.join(" | ", kept)).append(" |\n");
    }

    private void separator(int columns) {
        out.append("|").append("---:|".repeat(columns)).append('\n');
    }

    /** The result of {@code method} in {@code part} whose parameters include the given name/value pairs. */
    private RunResult find(Part part, String method, String... params) {
        PartResult result = parts.get(part);
        if (result == null) {
            return null;
        }
        outer:
        for (RunResult r : result.results()) {
            BenchmarkParams p = r.getParams();
            if (!p.getBenchmark().endsWith("." + method)) {
                continue;
            }
            for (int i = 0; i < params.length; i += 2) {
                if (!params[i + 1].equals(p.getParam(params[i]))) {
                    continue outer;
                }
            }
            return r;
        }
        return null;
    }

    private static String score(RunResult r) {
        if (r == null) {
            return MISSING;
        }
        Result<?> primary = r.getPrimaryResult();
        double error = primary.getScoreError();
        return number(primary.getScore()) + (Double.isNaN(error) ? "" : " ± " + number(error));
    }

    private static String number(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    /** {@code slower / faster}: how many times faster the second is. */
    private static String ratio(RunResult slower, RunResult faster) {
        if (slower == null || faster == null) {
            return MISSING;
        }
        double r = slower.getPrimaryResult().getScore() / faster.getPrimaryResult().getScore();
        return String.format(Locale.ROOT, r >= 100 ? "%.0fx" : "%.2fx", r);
    }

    private static String share(RunResult roofline, RunResult measured) {
        if (roofline == null || measured == null) {
            return MISSING;
        }
        return String.format(Locale.ROOT, "%.2f", roofline.getPrimaryResult().getScore()
                / measured.getPrimaryResult().getScore());
    }

    /** Bytes per operation / ns per operation = GB/s. */
    private static String bandwidth(RunResult r, double bytesPerOperation) {
        if (r == null) {
            return MISSING;
        }
        return String.format(Locale.ROOT, "%.1f", bytesPerOperation / r.getPrimaryResult().getScore());
    }

    private static String allocation(RunResult r) {
        if (r == null) {
            return MISSING;
        }
        Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
        return norm == null ? MISSING : String.format(Locale.ROOT, "%.3f", norm.getScore());
    }
}
