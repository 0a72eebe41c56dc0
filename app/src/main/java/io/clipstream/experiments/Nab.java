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
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
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

    /**
     * Settings; one configuration for every file.
     *
     * @param window number of recent values the autoregression sees
     * @param seasonal whether to run the seasonal model (values one day, two days and one week earlier)
     * @param level whether to score the value's distance from the running location
     * @param smoothing if above 1, the autoregression's and the seasonal model's errors are also scored as means over
     *     this many rows (sustained deviations); 0 or 1 for none
     * @param history number of recent raw scores each channel's tail model compares a new one with
     * @param secondWeight the row's surprise is the largest channel surprise plus this times the second largest
     * @param suppress rows after an emitted surprise during which a surprise is emitted only if it exceeds it
     * @param margin by how much (decades) a surprise must exceed one emitted in the last {@code suppress} rows
     */
    public record Settings(int window, boolean seasonal, boolean level, int smoothing, int history,
                           double secondWeight, int suppress, double margin) {

        /**
         * The configuration written down before any NAB score was computed: the brief's suggestions taken
         * literally, an autoregression over 16 lags with the library's default step, the tail probability of its
         * error among the last 2,000, 100 rows of suppression; no seasonal model, no level, no smoothing.
         */
        public static Settings prior() {
            return new Settings(16, false, false, 0, 2000, 0, 100, 0);
        }

        /** The default configuration. */
        public static Settings defaults() {
            return new Settings(8, true, true, 32, 2000, 0.5, 500, 1);
        }

        /** Validates. */
        public Settings {
            if (window < 1 || window > 10_000) {
                throw new IllegalArgumentException("window must be in [1, 10000]: " + window);
            }
            if (smoothing < 0 || smoothing > 100_000) {
                throw new IllegalArgumentException("smoothing must be in [0, 100000]: " + smoothing);
            }
            if (history < MIN_HISTORY || history > 1_000_000) {
                throw new IllegalArgumentException("history must be in [" + MIN_HISTORY + ", 1000000]: " + history);
            }
            if (!(secondWeight >= 0 && secondWeight <= 1)) {
                throw new IllegalArgumentException("second weight must be in [0, 1]: " + secondWeight);
            }
            if (suppress < 0 || suppress > 1_000_000) {
                throw new IllegalArgumentException("suppress must be in [0, 1000000]: " + suppress);
            }
            if (!(margin >= 0 && margin <= 100)) {
                throw new IllegalArgumentException("margin must be in [0, 100]: " + margin);
            }
        }
    }

    /** Raw scores a tail model needs before it says anything (surprises are 0 until then). */
    static final int MIN_HISTORY = 64;

    /** The tail model fits an exponential tail to the raw scores above this quantile of its history. */
    static final double TAIL_QUANTILE = 0.9;

    /** Surprise (decades of tail probability) that maps to an anomaly score of 0.5. */
    static final double HALF_SCORE_SURPRISE = 4;

    /** Largest surprise, in decades (a tail probability of 10^-300). */
    static final double MAX_SURPRISE = 300;

    /** Half-life in rows of the robust location and scale that normalise the values. */
    static final double NORM_HALF_LIFE = 1000;

    /** The seasonal model sees {@code 2 k + 1} values around each seasonal lag, {@code k = SEASON_LAGS}. */
    static final int SEASON_LAGS = 2;

    /** Seasonal lags in days. */
    static final int[] SEASON_DAYS = {1, 2, 7};

    /** Timestamp differences looked at to find the sampling interval. */
    static final int INTERVAL_SAMPLES = 16;

    /** Largest daily period in rows (one day of one-second data). */
    static final int MAX_PERIOD = 86_400;

    private Nab() {
    }

    // ------------------------------------------------------------------ the detector

    /**
     * The streaming detector for one series; {@link #next(long, double)} returns the anomaly score of each value in
     * turn.
     */
    public static final class Detector {
        private final Settings settings;
        private final int w;
        private double[] recent;
        private long seen;
        private double origin;
        private final MeanEstimator location;
        private final MeanEstimator deviation;
        private final LinearRegression ar;
        private LinearRegression seasonal;
        private final float[] arFeatures;
        private float[] seasonalFeatures;
        private final float[] point = new float[1];
        /** Channels: 0 AR error, 1 seasonal error, 2 level, 3 smoothed AR error, 4 smoothed seasonal error. */
        private final Channel[] channels = new Channel[5];
        private final double[] emitted;
        private final long[] deltas = new long[INTERVAL_SAMPLES];
        private int deltaCount;
        private long lastTime;
        private int period;

        /** A detector with the given settings. */
        public Detector(Settings s) {
            this.settings = s;
            this.w = s.window();
            this.recent = new double[w + 1];
            this.location = MeanEstimator.builder(1).stepSize(StepSize.halfLife(NORM_HALF_LIFE)).build();
            this.deviation = MeanEstimator.builder(1).stepSize(StepSize.halfLife(NORM_HALF_LIFE)).build();
            this.ar = LinearRegression.builder(w + 1).build();
            this.arFeatures = new float[w + 1];
            boolean smooth = s.smoothing() > 1;
            channels[0] = new Channel(s.history(), 1);
            channels[1] = s.seasonal() ? new Channel(s.history(), 1) : null;
            channels[2] = s.level() ? new Channel(s.history(), 1) : null;
            channels[3] = smooth ? new Channel(s.history(), s.smoothing()) : null;
            channels[4] = smooth && s.seasonal() ? new Channel(s.history(), s.smoothing()) : null;
            this.emitted = new double[Math.max(1, s.suppress())];
        }

        /** The daily period in rows (0 until known, and when the sampling interval is over half a day). */
        public int period() {
            return period;
        }

        /**
         * Consumes the next row and returns its anomaly score in {@code [0, 1]}.
         *
         * @param epochSecond the row's timestamp in seconds (only differences matter: they give the daily period)
         * @param value the row's value
         * @throws IllegalArgumentException if the value is not finite (nothing changes)
         */
        public double next(long epochSecond, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("value is " + value + " (values must be finite)");
            }
            if (seen == 0) {
                origin = value;
            } else {
                observeTime(epochSecond);
            }
            lastTime = epochSecond;
            // relative to the first value, so that the location estimate (which starts at 0) starts close
            double v = value - origin;
            double center = corrected(location);
            double scale = Math.max(corrected(deviation), 1e-9 * Math.max(1, Math.abs(v)));
            double y = (v - center) / scale;
            double arError = Double.NaN;
            double seasonalError = Double.NaN;
            if (seen >= w) {
                for (int j = 0; j < w; j++) {
                    arFeatures[j] = (float) ((lag(j + 1) - center) / scale);
                }
                arFeatures[w] = 1;
                arError = ar.update(arFeatures, (float) y);
            }
            if (seasonal != null && seen >= period + SEASON_LAGS) {
                int f = 0;
                for (int days : SEASON_DAYS) {
                    for (int j = -SEASON_LAGS; j <= SEASON_LAGS; j++) {
                        long back = (long) days * period + j;
                        // until that many days have passed, the latest whole day before stands in
                        while (back > seen) {
                            back -= period;
                        }
                        seasonalFeatures[f++] = (float) ((lag(back) - center) / scale);
                    }
                }
                seasonalFeatures[f] = 1;
                seasonalError = seasonal.update(seasonalFeatures, (float) y);
            }
            double first = 0;
            double second = 0;
            for (int c = 0; c < channels.length; c++) {
                Channel ch = channels[c];
                double raw = switch (c) {
                    case 0, 3 -> arError;
                    case 1, 4 -> seasonalError;
                    default -> Math.abs(y);
                };
                if (ch == null || raw != raw) {
                    continue;
                }
                double surprise = ch.surprise(raw);
                if (surprise > first) {
                    second = first;
                    first = surprise;
                } else if (surprise > second) {
                    second = surprise;
                }
            }
            point[0] = (float) v;
            location.update(point);
            point[0] = (float) Math.abs(v - center);
            deviation.update(point);
            recent[(int) (seen % recent.length)] = v;
            double out = suppress(first + settings.secondWeight() * second);
            seen++;
            return out / (out + HALF_SCORE_SURPRISE);
        }

        /** The value {@code back >= 1} rows before the current one (relative to the origin). */
        private double lag(long back) {
            return recent[(int) ((seen - back) % recent.length)];
        }

        /**
         * Finds the sampling interval (the median of the first {@link #INTERVAL_SAMPLES} positive timestamp
         * differences) and from it the daily period in rows; then starts the seasonal model and widens the ring of
         * recent values to a week.
         */
        private void observeTime(long t) {
            if (deltaCount == INTERVAL_SAMPLES || !settings.seasonal()) {
                return;
            }
            long d = t - lastTime;
            if (d <= 0) {
                return;
            }
            deltas[deltaCount++] = d;
            if (deltaCount < INTERVAL_SAMPLES) {
                return;
            }
            long[] sorted = deltas.clone();
            Arrays.sort(sorted);
            long rows = Math.round(86_400.0 / sorted[INTERVAL_SAMPLES / 2]);
            if (rows < 2 || rows > MAX_PERIOD) {
                return;
            }
            period = (int) rows;
            int longest = SEASON_DAYS[SEASON_DAYS.length - 1];
            double[] wider = new double[Math.max(w + 1, longest * period + SEASON_LAGS + 1)];
            for (long back = 1; back <= Math.min(seen, recent.length); back++) {
                wider[(int) ((seen - back) % wider.length)] = lag(back);
            }
            recent = wider;
            seasonalFeatures = new float[SEASON_DAYS.length * (2 * SEASON_LAGS + 1) + 1];
            seasonal = LinearRegression.builder(seasonalFeatures.length).build();
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

        /**
         * Emits {@code surprise} unless a surprise was emitted in the last {@code suppress} rows and this one does not
         * exceed it by {@code margin}; 0 otherwise.
         */
        private double suppress(double surprise) {
            int s = settings.suppress();
            if (s == 0) {
                return surprise;
            }
            double recentMax = 0;
            for (double e : emitted) {
                recentMax = Math.max(recentMax, e);
            }
            double out = surprise > recentMax + (recentMax > 0 ? settings.margin() : 0) ? surprise : 0;
            emitted[(int) (seen % s)] = out;
            return out;
        }
    }

    /**
     * One channel: a raw score stream (optionally as a running mean over {@code smoothing} rows) turned into
     * surprises by a {@link TailModel} over its last {@code history} values.
     */
    static final class Channel {
        private final int smoothing;
        private final double[] last;
        private double sum;
        private long count;
        private final TailModel tail;

        Channel(int history, int smoothing) {
            this.smoothing = Math.max(1, smoothing);
            this.last = new double[this.smoothing];
            this.tail = new TailModel(history, TAIL_QUANTILE);
        }

        /** The surprise of {@code raw} (or of the mean of the last {@code smoothing} raw scores); then records it. */
        double surprise(double raw) {
            int k = (int) (count % smoothing);
            sum += raw - last[k];
            last[k] = raw;
            count++;
            double score = sum / Math.min(count, smoothing);
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
    public static double[] score(long[] epochSeconds, double[] values, Settings s) {
        Detector d = new Detector(s);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = d.next(epochSeconds[i], values[i]);
        }
        return out;
    }

    /**
     * Seconds since 1970-01-01T00:00 of an ISO local date-time ({@code 2014-04-10 07:15:00}, a {@code T} instead of
     * the space, optional fractional seconds).
     *
     * @throws java.time.format.DateTimeParseException if it is not one
     */
    public static long epochSeconds(String timestamp) {
        return LocalDateTime.parse(timestamp.strip().replace(' ', 'T')).toEpochSecond(ZoneOffset.UTC);
    }

    // ------------------------------------------------------------------ files

    /**
     * One input file.
     *
     * @param relative its path under the data directory ({@code category/file.csv})
     * @param timestamps the timestamp column, as written
     * @param valueText the value column, as written
     * @param epochSeconds the timestamps, parsed
     * @param values the values
     */
    public record Series(Path relative, List<String> timestamps, List<String> valueText, long[] epochSeconds,
                         double[] values) {
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
        long[] times = new long[lines.size()];
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
            long t;
            try {
                t = epochSeconds(ts);
            } catch (DateTimeParseException e) {
                throw new IOException(relative + ": line " + (i + 1) + ": not a timestamp (yyyy-MM-dd HH:mm:ss): '"
                        + abbreviate(ts) + "'");
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
            times[n] = t;
            values[n++] = v;
        }
        if (n == 0) {
            throw new IOException(relative + ": no data rows");
        }
        return new Series(relative, timestamps, valueText, Arrays.copyOf(times, n), Arrays.copyOf(values, n));
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
            double[] scores = score(series.epochSeconds(), series.values(), s);
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
