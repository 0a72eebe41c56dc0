package io.clipstream.experiments;

import io.clipstream.LinearRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.StepSize;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Streaming anomaly scores for univariate series in the layout of the Numenta Anomaly Benchmark (NAB):
 * {@code DIR/<category>/<file>.csv} with a {@code timestamp,value} header, one score per row written to
 * {@code OUT/<category>/<file>.csv} as {@code timestamp,value,anomaly_score} with the score in {@code [0, 1]}.
 *
 * <p>Every score is causal: the score of row {@code i} depends only on rows {@code 0..i} of the same file
 * ({@link Detector} consumes one value at a time). See {@link Detector} for the method.
 */
public final class Nab {

    /** What is fitted to the sliding window of recent values. */
    public enum Model {
        /** A linear autoregression by clipped SGD: predicts the value from the window; score = |residual|. */
        AR,
        /** A clipped-SGD mean of the window vectors; score = distance of the current window to it. */
        MEAN,
        /** Both; the row's surprise is the larger of the two. */
        BOTH
    }

    /**
     * Settings; one configuration for every file.
     *
     * @param window number of recent values in the window (the AR model's lags; the mean model's dimension)
     * @param model what is fitted to the window
     * @param arStep constant (normalised) step of the autoregression
     * @param meanHalfLife half-life in rows of the mean model
     * @param normHalfLife half-life in rows of the robust location and scale used to normalise values
     * @param smoothing number of recent raw scores averaged before the tail mapping (1: none)
     * @param history number of recent raw scores the tail model compares a score against
     * @param tailQuantile the level above which the tail model fits an exponential tail
     * @param suppress rows after an emitted surprise during which lower or equal surprises are emitted as 0
     */
    public record Settings(int window, Model model, double arStep, double meanHalfLife, double normHalfLife,
                           int smoothing, int history, double tailQuantile, int suppress) {

        /**
         * The configuration written down before any NAB score was computed (the brief's suggestions taken
         * literally: AR over 16 lags with the library's default step, normalisation over a half-life of 1,000
         * rows, tail probability against the last 2,000 raw scores, 100 rows of suppression).
         */
        public static Settings prior() {
            return new Settings(16, Model.AR, 0.05, 300, 1000, 1, 2000, 0.9, 100);
        }

        /** The default configuration. */
        public static Settings defaults() {
            return prior();
        }

        /** Validates. */
        public Settings {
            if (window < 1 || window > 10_000) {
                throw new IllegalArgumentException("window must be in [1, 10000]: " + window);
            }
            if (model == null) {
                throw new IllegalArgumentException("model must not be null");
            }
            if (!(arStep > 0 && arStep <= 1)) {
                throw new IllegalArgumentException("AR step must be in (0, 1]: " + arStep);
            }
            if (!(meanHalfLife >= 1 && Double.isFinite(meanHalfLife))) {
                throw new IllegalArgumentException("mean half-life must be finite and >= 1: " + meanHalfLife);
            }
            if (!(normHalfLife >= 1 && Double.isFinite(normHalfLife))) {
                throw new IllegalArgumentException("normalisation half-life must be finite and >= 1: " + normHalfLife);
            }
            if (smoothing < 1 || smoothing > 10_000) {
                throw new IllegalArgumentException("smoothing must be in [1, 10000]: " + smoothing);
            }
            if (history < MIN_HISTORY || history > 1_000_000) {
                throw new IllegalArgumentException("history must be in [" + MIN_HISTORY + ", 1000000]: " + history);
            }
            if (!(tailQuantile >= 0.5 && tailQuantile < 1)) {
                throw new IllegalArgumentException("tail quantile must be in [0.5, 1): " + tailQuantile);
            }
            if (suppress < 0) {
                throw new IllegalArgumentException("suppress must be >= 0: " + suppress);
            }
        }
    }

    /** Raw scores needed before the tail model says anything (scores are 0 until then). */
    static final int MIN_HISTORY = 64;

    /** Surprise (in decades of tail probability) that maps to an anomaly score of 0.5. */
    static final double HALF_SCORE_SURPRISE = 4;

    /** Largest surprise, in decades (a tail probability of 10^-300). */
    static final double MAX_SURPRISE = 300;

    private Nab() {
    }

    // ------------------------------------------------------------------ the detector

    /**
     * The streaming detector for one series; {@link #next(double)} returns the anomaly score of each value in turn.
     */
    public static final class Detector {
        private final Settings settings;
        private final int w;
        private final double[] recent;
        private long seen;
        private double origin = Double.NaN;
        private final MeanEstimator location;
        private final MeanEstimator deviation;
        private final LinearRegression ar;
        private final MeanEstimator mean;
        private final float[] features;
        private final float[] point;
        private final float[] window;
        private final Scorer arScorer;
        private final Scorer meanScorer;
        private final double[] emitted;

        /** A detector with the given settings. */
        public Detector(Settings s) {
            this.settings = s;
            this.w = s.window();
            this.recent = new double[w];
            this.location = MeanEstimator.builder(1).stepSize(StepSize.halfLife(s.normHalfLife())).build();
            this.deviation = MeanEstimator.builder(1).stepSize(StepSize.halfLife(s.normHalfLife())).build();
            boolean useAr = s.model() != Model.MEAN;
            boolean useMean = s.model() != Model.AR;
            this.ar = useAr ? LinearRegression.builder(w + 1).stepSize(StepSize.constant(s.arStep())).build() : null;
            this.mean = useMean ? MeanEstimator.builder(w).stepSize(StepSize.halfLife(s.meanHalfLife())).build() : null;
            this.features = new float[w + 1];
            this.point = new float[1];
            this.window = new float[w];
            this.arScorer = useAr ? new Scorer(s) : null;
            this.meanScorer = useMean ? new Scorer(s) : null;
            this.emitted = new double[Math.max(1, s.suppress())];
        }

        /**
         * Consumes the next value and returns its anomaly score in {@code [0, 1]}.
         *
         * @throws IllegalArgumentException if the value is not finite (nothing changes)
         */
        public double next(double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("value is " + value + " (values must be finite)");
            }
            if (seen == 0) {
                origin = value;
            }
            // values relative to the first one, so that the location estimate (which starts at 0) starts close
            double v = value - origin;
            double center = corrected(location);
            double scale = Math.max(corrected(deviation), 1e-9 * Math.max(1, Math.abs(v)));
            double surprise = 0;
            if (seen >= w) {
                double y = (v - center) / scale;
                for (int j = 0; j < w; j++) {
                    features[j] = (float) ((recent[(int) ((seen - 1 - j) % w)] - center) / scale);
                }
                if (ar != null) {
                    features[w] = 1;
                    double r = ar.update(features, (float) y);
                    surprise = Math.max(surprise, arScorer.surprise(r));
                }
                if (mean != null) {
                    // the window that ends at this value
                    window[0] = (float) y;
                    System.arraycopy(features, 0, window, 1, w - 1);
                    double d = mean.update(window);
                    surprise = Math.max(surprise, meanScorer.surprise(d));
                }
            }
            point[0] = (float) v;
            double dev = Math.abs(v - center);
            location.update(point);
            point[0] = (float) dev;
            deviation.update(point);
            recent[(int) (seen % w)] = v;
            double out = suppress(surprise);
            seen++;
            return out / (out + HALF_SCORE_SURPRISE);
        }

        /**
         * The estimate divided by {@code 1 - (1 - eta)^n} after {@code n} updates from 0 (Adam's bias correction): a
         * half-life estimator that starts at 0 would otherwise take a few half-lives to reach the data's level.
         */
        private double corrected(MeanEstimator e) {
            long n = e.samplesSeen();
            if (n == 0) {
                return 0;
            }
            e.estimate(point);
            return point[0] / -Math.expm1(n * Math.log1p(-e.stepSize()));
        }

        /** Emits {@code surprise} unless a surprise at least as large was emitted in the last {@code suppress} rows. */
        private double suppress(double surprise) {
            int s = settings.suppress();
            if (s == 0) {
                return surprise;
            }
            double recentMax = 0;
            for (double e : emitted) {
                recentMax = Math.max(recentMax, e);
            }
            double out = surprise > recentMax ? surprise : 0;
            emitted[(int) (seen % s)] = out;
            return out;
        }
    }

    /**
     * Turns raw scores into surprises: {@code -log10} of the probability of a raw score at least as large under the
     * recent raw scores (the last {@code history}, before the current one), empirical up to their
     * {@code tailQuantile}-quantile and an exponential tail fitted to the excesses beyond it.
     */
    static final class Scorer {
        private final int smoothing;
        private final double[] last;
        private double lastSum;
        private long count;
        private final TailModel tail;

        Scorer(Settings s) {
            this.smoothing = s.smoothing();
            this.last = new double[smoothing];
            this.tail = new TailModel(s.history(), s.tailQuantile());
        }

        double surprise(double raw) {
            int k = (int) (count % smoothing);
            lastSum += raw - last[k];
            last[k] = raw;
            count++;
            double score = count < smoothing ? lastSum / count : lastSum / smoothing;
            double s = tail.surprise(score);
            tail.add(score);
            return s;
        }
    }

    /** A sliding window of values kept sorted, with the exponential-tail probability of a new value. */
    static final class TailModel {
        private final int capacity;
        private final double quantile;
        private final double[] sorted;
        private final double[] order;
        private int size;
        private long added;

        TailModel(int capacity, double quantile) {
            this.capacity = capacity;
            this.quantile = quantile;
            this.sorted = new double[capacity];
            this.order = new double[capacity];
        }

        /** {@code -log10 P(X >= x)} under the window's distribution; 0 while the window is short. */
        double surprise(double x) {
            int n = size;
            if (n < MIN_HISTORY) {
                return 0;
            }
            int u = Math.min(n - 1, (int) (quantile * n));
            double threshold = sorted[u];
            double p;
            if (x <= threshold) {
                int below = lowerBound(x);
                p = (double) (n - below + 1) / (n + 1);
            } else {
                double excess = 0;
                for (int j = u + 1; j < n; j++) {
                    excess += sorted[j] - threshold;
                }
                int tailCount = n - u;
                double beta = Math.max(excess / Math.max(1, tailCount - 1), 1e-12 * Math.max(1, threshold));
                double logP = Math.log10((double) tailCount / (n + 1)) - (x - threshold) / beta / Math.log(10);
                return Math.min(MAX_SURPRISE, -logP);
            }
            return Math.min(MAX_SURPRISE, -Math.log10(p));
        }

        void add(double x) {
            if (size == capacity) {
                double old = order[(int) (added % capacity)];
                int at = lowerBound(old);
                System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
                size--;
            }
            int at = lowerBound(x);
            System.arraycopy(sorted, at, sorted, at + 1, size - at);
            sorted[at] = x;
            size++;
            order[(int) (added % capacity)] = x;
            added++;
        }

        /** First index whose value is {@code >= x}. */
        private int lowerBound(double x) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (sorted[mid] < x) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /** Scores a whole series (row by row, causally). */
    public static double[] score(double[] values, Settings s) {
        Detector d = new Detector(s);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = d.next(values[i]);
        }
        return out;
    }

    // ------------------------------------------------------------------ files

    /**
     * One input file.
     *
     * @param relative its path under the data directory ({@code category/file.csv})
     * @param timestamps the timestamp column, as written
     * @param valueText the value column, as written
     * @param values the values
     */
    public record Series(Path relative, List<String> timestamps, List<String> valueText, double[] values) {
    }

    /**
     * Reads one {@code timestamp,value} CSV file (a header naming both columns, then one row per line; blank lines
     * are skipped).
     *
     * @param file the file
     * @param relative the name used in messages and for the output
     * @throws IOException if it cannot be read or is malformed (the message names the file and line)
     */
    public static Series read(Path file, Path relative) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new IOException(relative + ": empty file");
        }
        String[] header = lines.get(first).split(",", -1);
        int tsColumn = -1;
        int valueColumn = -1;
        for (int c = 0; c < header.length; c++) {
            String h = header[c].strip().replace("\"", "").toLowerCase(Locale.ROOT);
            if (c == 0 && h.startsWith("\uFEFF")) {
                h = h.substring(1);
            }
            if (h.equals("timestamp") && tsColumn < 0) {
                tsColumn = c;
            } else if (h.equals("value") && valueColumn < 0) {
                valueColumn = c;
            }
        }
        if (tsColumn < 0 || valueColumn < 0) {
            throw new IOException(relative + ": line " + (first + 1)
                    + ": expected a header with 'timestamp' and 'value' columns, found '" + abbreviate(lines.get(first))
                    + "'");
        }
        List<String> timestamps = new ArrayList<>(lines.size());
        List<String> valueText = new ArrayList<>(lines.size());
        double[] values = new double[lines.size()];
        int n = 0;
        for (int i = first + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IOException(relative + ": line " + (i + 1) + ": expected " + header.length
                        + " columns but found " + cells.length);
            }
            String ts = cells[tsColumn].strip();
            if (ts.isEmpty()) {
                throw new IOException(relative + ": line " + (i + 1) + ": empty timestamp");
            }
            String text = cells[valueColumn].strip();
            double v;
            try {
                v = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IOException(relative + ": line " + (i + 1) + ": not a number: '" + abbreviate(text) + "'");
            }
            if (!Double.isFinite(v)) {
                throw new IOException(relative + ": line " + (i + 1) + ": value is " + text
                        + " (values must be finite)");
            }
            timestamps.add(ts);
            valueText.add(text);
            values[n++] = v;
        }
        if (n == 0) {
            throw new IOException(relative + ": no data rows");
        }
        return new Series(relative, timestamps, valueText, Arrays.copyOf(values, n));
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /**
     * The CSV files under {@code dir}: {@code dir/<category>/<file>.csv} (and {@code dir/<file>.csv}), sorted.
     *
     * @throws IOException if {@code dir} is not a directory or holds no CSV file
     */
    public static List<Path> find(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir.toString());
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, 2)) {
            files = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".csv"))
                    .map(dir::relativize).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + ": no CSV files (expected " + dir + "/<category>/<file>.csv)");
        }
        return files;
    }

    /** Writes {@code timestamp,value,anomaly_score} rows. */
    public static void write(Path file, Series s, double[] scores) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("timestamp,value,anomaly_score\n");
            for (int i = 0; i < scores.length; i++) {
                out.write(s.timestamps().get(i));
                out.write(',');
                out.write(s.valueText().get(i));
                out.write(',');
                out.write(Double.toString(scores[i]));
                out.write('\n');
            }
        }
    }

    /**
     * What a run did.
     *
     * @param files number of files
     * @param rows number of rows scored
     */
    public record Result(int files, long rows) {
    }

    /**
     * Reads every file under {@code data} (all of them before writing anything, so that a malformed file stops the
     * run before any output), scores each one with its own detector and writes {@code out/<relative path>}.
     *
     * @param progress receives the number of rows scored so far
     * @throws IOException on a missing directory, a malformed file or a write error
     */
    public static Result run(Path data, Path out, Settings s, LongConsumer progress) throws IOException {
        List<Series> all = new ArrayList<>();
        for (Path p : find(data)) {
            all.add(read(data.resolve(p), p));
        }
        long rows = 0;
        for (Series series : all) {
            double[] scores = score(series.values(), s);
            write(out.resolve(series.relative()), series, scores);
            rows += scores.length;
            progress.accept(rows);
        }
        return new Result(all.size(), rows);
    }

    /**
     * About how many rows the files under {@code data} hold (lines minus one header each), for progress reports.
     *
     * @throws IOException as {@link #find(Path)}
     */
    public static long totalRows(Path data) throws IOException {
        long n = 0;
        for (Path p : find(data)) {
            try (Stream<String> lines = Files.lines(data.resolve(p))) {
                n += Math.max(0, lines.count() - 1);
            }
        }
        return n;
    }
}
