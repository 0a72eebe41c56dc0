package io.clipstream.cli;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.StepSize;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Scores CSV rows as they stream in: each row goes through an {@link AnomalyDetector} (score against the current
 * estimate, decide against the adaptive threshold, then update), in constant memory.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Reads CSV rows of numbers (a file or stdin) and writes, per row, 'score,lower,upper,decision'",
            "(decision: ANOMALY, BENIGN or ABSTAIN), in constant memory. Blank lines are ignored.",
            "Tasks: mean (score = distance to the running robust mean), linear (|residual| against the label",
            "column), logistic (log loss; labels 0/1). A bad row stops with an error naming its line, unless",
            "--skip-bad, which writes 'NaN,NaN,NaN,SKIPPED' for it and reports the count at the end.",
            "Thresholds: --threshold pot (default; peaks over threshold: ABSTAIN for the first --warmup rows, 500,",
            "then ANOMALY or BENIGN, about 1 - p of ordinary rows flagged) or cs (confidence sequence: no mistake",
            "with probability 1 - 2a, ABSTAIN inside its interval and for ~1/(1-p)^2 rows)."})
final class ScoreCommand implements Callable<Integer> {

    enum TaskOption { mean, linear, logistic }

    enum ThresholdOption { pot, cs }

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, description = "CSV file to read ('-' or absent: stdin)")
    String input;

    @Option(names = {"-o", "--output"}, description = "file to write (absent: stdout)")
    Path output;

    @Option(names = "--task", description = "mean, linear or logistic (default: ${DEFAULT-VALUE})",
            defaultValue = "mean")
    TaskOption task;

    @Option(names = "--columns", description = "feature columns, 1-based, e.g. '2-5,8' (default: all but the label)")
    String columns;

    @Option(names = "--label-column", description = "1-based label column (required for linear and logistic)")
    Integer labelColumn;

    @Option(names = "--header", description = "the first line is a header")
    boolean header;

    @Option(names = "--delimiter", description = "field delimiter (default: ',')", defaultValue = ",")
    char delimiter;

    @Option(names = "--skip-bad", description = "skip and count bad rows instead of stopping")
    boolean skipBad;

    @Option(names = "--quantile", description = "target quantile p (default: ${DEFAULT-VALUE})", defaultValue = "0.99")
    double quantile;

    @Option(names = "--confidence", description = "confidence a (default: ${DEFAULT-VALUE})", defaultValue = "0.05")
    double confidence;

    @Option(names = "--threshold", description = "pot (peaks over threshold) or cs (confidence sequence) "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "pot")
    ThresholdOption threshold;

    @Option(names = "--warmup", description = "pot: rows that calibrate the threshold before the first ANOMALY, "
            + "and again after each detected change (default: ${DEFAULT-VALUE})", defaultValue = "500")
    int warmup;

    @Option(names = "--half-life", description = "mean: step half-life in samples (default: the library's, 300)")
    Double halfLife;

    @Option(names = "--step", description = "linear/logistic: normalised step (default: the library's, 0.05)")
    Double step;

    @Override
    public Integer call() throws Exception {
        if (task != TaskOption.mean && labelColumn == null) {
            throw new Main.UserException("--task " + task + " needs --label-column");
        }
        if (task == TaskOption.mean && labelColumn != null) {
            throw new Main.UserException("--label-column is only for --task linear or logistic");
        }
        if (labelColumn != null && labelColumn < 1) {
            throw new Main.UserException("--label-column is 1-based: " + labelColumn);
        }
        if (!(quantile > 0 && quantile < 1) || !(confidence > 0 && confidence < 1)) {
            throw new Main.UserException("--quantile and --confidence must be in (0, 1)");
        }
        if (warmup < 32 || warmup > 1 << 20) {
            throw new Main.UserException("--warmup must be in [32, 1048576]: " + warmup);
        }
        boolean stdin = input == null || input.equals("-");
        BufferedReader in = stdin ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
        // stdout is picocli's writer (flushed, never closed: closing it would close the JVM's stdout)
        Writer out = output == null ? spec.commandLine().getOut()
                : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
        try {
            return run(in, out);
        } finally {
            out.flush();
            if (output != null) {
                out.close();
            }
            if (!stdin) {
                in.close();
            }
        }
    }

    private int[] features;
    private int fieldCount = -1;
    private AnomalyDetector detector;
    private float[] row;

    int run(BufferedReader in, Writer out) throws IOException {
        out.write("score,lower,upper,decision\n");
        long lineNumber = 0;
        long skipped = 0;
        long processed = 0;
        List<String> firstErrors = new ArrayList<>();
        String line;
        boolean first = true;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            if (first && header) {
                first = false;
                continue;
            }
            String problem = process(line, lineNumber, first, out);
            first = false;
            if (problem != null) {
                if (!skipBad) {
                    out.flush();
                    throw new Main.UserException(problem);
                }
                skipped++;
                if (firstErrors.size() < 3) {
                    firstErrors.add(problem);
                }
                out.write("NaN,NaN,NaN,SKIPPED\n");
            } else {
                processed++;
            }
        }
        out.flush();
        var err = spec == null ? null : spec.commandLine().getErr();
        if (err != null) {
            err.printf(Locale.ROOT, "score: %,d rows scored%s%s%n", processed,
                    skipped > 0 ? String.format(Locale.ROOT, ", %,d bad rows skipped", skipped) : "",
                    detector == null ? "" : String.format(Locale.ROOT, "; %,d anomalies, %,d abstentions, %d changes",
                            detector.anomalies(), detector.abstentions(), detector.changes()));
            for (String e : firstErrors) {
                err.println("  skipped " + e);
            }
            err.flush();
        }
        return 0;
    }

    /** Processes one data line; returns a description of the problem, or null. */
    private String process(String line, long lineNumber, boolean first, Writer out) throws IOException {
        List<String> fields = split(line, delimiter);
        if (fieldCount < 0) {
            setUp(fields.size(), lineNumber);
        }
        if (fields.size() != fieldCount) {
            return "line " + lineNumber + ": expected " + fieldCount + " columns but found " + fields.size();
        }
        for (int i = 0; i < features.length; i++) {
            String f = fields.get(features[i]).trim();
            float v;
            try {
                v = Float.parseFloat(f);
            } catch (NumberFormatException e) {
                return "line " + lineNumber + ", column " + (features[i] + 1) + ": not a number: '" + f + "'"
                        + (first && !header ? " (use --header if the first line is a header)" : "");
            }
            if (!Float.isFinite(v)) {
                return "line " + lineNumber + ", column " + (features[i] + 1) + ": value is " + v
                        + " (values must be finite)";
            }
            row[i] = v;
        }
        Outcome o;
        if (task == TaskOption.mean) {
            o = detector.process(row);
        } else {
            String f = fields.get(labelColumn - 1).trim();
            double label;
            try {
                label = Double.parseDouble(f);
            } catch (NumberFormatException e) {
                return "line " + lineNumber + ", column " + labelColumn + ": label is not a number: '" + f + "'";
            }
            if (task == TaskOption.linear) {
                if (!Double.isFinite(label)) {
                    return "line " + lineNumber + ", column " + labelColumn + ": label is " + label + " (must be finite)";
                }
                o = detector.process(row, (float) label);
            } else {
                if (label != 0 && label != 1) {
                    return "line " + lineNumber + ", column " + labelColumn + ": label must be 0 or 1: " + f;
                }
                o = detector.process(row, (int) label);
            }
        }
        out.write(Double.toString(o.score()));
        out.write(',');
        out.write(Double.toString(o.lower()));
        out.write(',');
        out.write(Double.toString(o.upper()));
        out.write(',');
        out.write(o.decision().name());
        out.write('\n');
        return null;
    }

    private void setUp(int fields, long lineNumber) {
        fieldCount = fields;
        if (labelColumn != null && labelColumn > fields) {
            throw new Main.UserException("line " + lineNumber + ": --label-column " + labelColumn + " but the row has "
                    + fields + " columns");
        }
        features = columns == null ? allBut(fields, labelColumn) : parseColumns(columns, fields, labelColumn);
        if (features.length == 0) {
            throw new Main.UserException("no feature columns (the row has " + fields + " columns)");
        }
        row = new float[features.length];
        int d = features.length;
        Estimator e = switch (task) {
            case mean -> {
                MeanEstimator.Builder b = MeanEstimator.builder(d);
                if (halfLife != null) {
                    b.stepSize(StepSize.halfLife(halfLife));
                }
                yield b.build();
            }
            case linear -> {
                LinearRegression.Builder b = LinearRegression.builder(d);
                if (step != null) {
                    b.stepSize(StepSize.constant(step));
                }
                yield b.build();
            }
            case logistic -> {
                LinearRegression.Builder b = LogisticRegression.builder(d);
                if (step != null) {
                    b.stepSize(StepSize.constant(step));
                }
                yield b.buildLogistic();
            }
        };
        detector = AnomalyDetector.builder(e).quantile(quantile).confidence(confidence)
                .method(threshold == ThresholdOption.cs ? AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE
                        : AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD)
                .warmup(warmup).build();
    }

    static int[] allBut(int fields, Integer label) {
        int[] out = new int[label == null ? fields : fields - 1];
        for (int i = 0, j = 0; i < fields; i++) {
            if (label == null || i != label - 1) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** Parses '2-5,8' (1-based, inclusive) into 0-based indices. */
    static int[] parseColumns(String spec, int fields, Integer label) {
        List<Integer> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (from < 1 || to < from || to > fields) {
                    throw new Main.UserException("--columns '" + spec + "': '" + p + "' is outside 1.." + fields);
                }
                for (int c = from; c <= to; c++) {
                    if (label != null && c == label) {
                        throw new Main.UserException("--columns includes the label column " + label);
                    }
                    out.add(c - 1);
                }
            } catch (NumberFormatException e) {
                throw new Main.UserException("--columns '" + spec + "': cannot read '" + p + "' (expected e.g. 2-5,8)");
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<String> split(String line, char delimiter) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == delimiter) {
                out.add(line.substring(start, i));
                start = i + 1;
            }
        }
        out.add(line.substring(start));
        return out;
    }
}
