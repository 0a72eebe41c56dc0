package io.clipstream.experiments;

import io.clipstream.LinearRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.StepSize;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Scratch: an experimental detector configured by key=value lines on stdin; prints NAB scores. */
public final class NabLab {

    static final class Opt {
        final Map<String, String> m = new HashMap<>();

        Opt(String line) {
            for (String kv : line.trim().split("\\s+")) {
                int e = kv.indexOf('=');
                if (e > 0) {
                    m.put(kv.substring(0, e), kv.substring(e + 1));
                }
            }
        }

        int i(String k, int d) {
            return m.containsKey(k) ? Integer.parseInt(m.get(k)) : d;
        }

        double d(String k, double d) {
            return m.containsKey(k) ? Double.parseDouble(m.get(k)) : d;
        }

        String s(String k, String d) {
            return m.getOrDefault(k, d);
        }
    }

    /** A raw score stream, smoothed, through a tail model. */
    static final class Channel {
        final String kind;
        final int smoothing;
        final double[] last;
        double sum;
        long count;
        final LabTail tail;

        Channel(String kind, int smoothing, int history, double q, int gpd) {
            this.kind = kind;
            this.smoothing = smoothing;
            this.last = new double[smoothing];
            this.tail = new LabTail(history, q, gpd);
        }

        int warm;

        double surprise(double raw) {
            int k = (int) (count % smoothing);
            sum += raw - last[k];
            last[k] = raw;
            count++;
            double score = sum / Math.min(count, smoothing);
            if (count <= warm) {
                return 0;
            }
            double s = tail.surprise(score);
            tail.add(score);
            return s;
        }
    }

    static final class Detector {
        final Opt o;
        final int w;
        final int k;
        int sup;
        double[] recent;
        long seen;
        double origin;
        final MeanEstimator location;
        final MeanEstimator deviation;
        LinearRegression ar;
        LinearRegression seas;
        MeanEstimator mean;
        float[] arX;
        float[] seasX;
        final float[] point = new float[1];
        final float[] window;
        final List<Channel> channels = new ArrayList<>();
        double[] emitted;
        final long[] deltas = new long[16];
        int deltaCount;
        long lastTime;
        int period;
        final boolean arSeason;
        final int seasDays;
        final boolean week;
        final double half;
        int who;
        long lastEmit = -1;
        double margin;

        Detector(Opt o) {
            this.o = o;
            w = o.i("w", 16);
            k = o.i("k", 2);
            sup = o.i("sup", 300);
            half = o.d("half", 4);
            margin = o.d("margin", 0);
            arSeason = o.i("arseason", 0) == 1;
            seasDays = o.i("days", 2);
            week = o.i("week", 0) == 1;
            recent = new double[w + 1];
            double nh = o.d("norm", 1000);
            location = MeanEstimator.builder(1).stepSize(StepSize.halfLife(nh)).build();
            deviation = MeanEstimator.builder(1).stepSize(StepSize.halfLife(nh)).build();
            ar = LinearRegression.builder(w + 1).stepSize(StepSize.constant(o.d("step", 0.05))).build();
            arX = new float[w + 1];
            window = new float[w];
            mean = MeanEstimator.builder(w).stepSize(StepSize.halfLife(o.d("meanhl", 300))).build();
            if (o.d("dayscale", 0) == 0) {
                makeChannels(1);
            }
            emitted = new double[Math.max(1, sup)];
        }

        MeanEstimator[] vol = new MeanEstimator[2];
        double[] volOut = new double[2];
        long[] volSeen = new long[2];

        /** |r| over a clipped-SGD running mean of |r| (half-life volhl), computed once per row per model. */
        double localZ(int m, double r) {
            if (volSeen[m] == seen + 1) {
                return volOut[m];
            }
            if (vol[m] == null) {
                vol[m] = MeanEstimator.builder(1).stepSize(StepSize.halfLife(o.d("volhl", 50))).build();
            }
            double level = corrected(vol[m]);
            double z = r / Math.max(level, 1e-12);
            point[0] = (float) r;
            vol[m].update(point);
            volSeen[m] = seen + 1;
            volOut[m] = vol[m].samplesSeen() < 10 ? 0 : z;
            return volOut[m];
        }

        /** Channels; with dayscale=D, smoothing, suppression and history are in units of P/D rows. */
        void makeChannels(double unit) {
            channels.clear();
            for (String c : o.s("ch", "ar:1").split(",")) {
                String[] a = c.split(":");
                int m = (int) Math.max(1, Math.round(Double.parseDouble(a[1]) * unit));
                if (Double.parseDouble(a[1]) > 1 && m < 2) {
                    m = 2;
                }
                int h = (int) Math.max(128, Math.round(o.i("hist", 2000) * (o.i("histscale", 1) == 1 ? unit : 1)));
                channels.add(new Channel(a[0], m, h, o.d("q", 0.9), o.i("gpd", 0)));
                channels.get(channels.size() - 1).warm = o.i("warm", 0);
            }
            sup = (int) Math.round(o.i("sup", 300) * unit);
            emitted = new double[Math.max(1, sup)];
        }

        double lag(long back) {
            return recent[(int) ((seen - back) % recent.length)];
        }

        double next(long t, double value) {
            if (seen == 0) {
                origin = value;
            } else {
                observeTime(t);
            }
            lastTime = t;
            double v = value - origin;
            double center = corrected(location);
            double scale = Math.max(corrected(deviation), 1e-9 * Math.max(1, Math.abs(v)));
            double y = (v - center) / scale;
            double arR = Double.NaN;
            double seasR = Double.NaN;
            double meanR = Double.NaN;
            if (seen >= w) {
                for (int j = 0; j < w; j++) {
                    arX[j] = (float) ((lag(j + 1) - center) / scale);
                }
                if (arSeason && period > 0) {
                    for (int j = -k; j <= k; j++) {
                        long back = period + j;
                        arX[w + k + j] = back <= seen ? (float) ((lag(back) - center) / scale) : 0;
                    }
                }
                arX[arX.length - 1] = 1;
                arR = ar.update(arX, (float) y);
                window[0] = (float) y;
                System.arraycopy(arX, 0, window, 1, w - 1);
                meanR = mean.update(window);
            }
            if (seas != null) {
                int f = 0;
                for (int d = 1; d <= seasDays; d++) {
                    for (int j = -k; j <= k; j++) {
                        long back = (long) d * period + j;
                        seasX[f++] = back <= seen ? (float) ((lag(back) - center) / scale) : 0;
                    }
                }
                if (week) {
                    for (int j = -k; j <= k; j++) {
                        long back = 7L * period + j;
                        // until a week is available, the latest available whole-day lag stands in
                        while (back > seen && back > period) {
                            back -= period;
                        }
                        seasX[f++] = back <= seen ? (float) ((lag(back) - center) / scale) : 0;
                    }
                }
                seasX[f] = 1;
                if (seen >= (long) period + k) {
                    seasR = seas.update(seasX, (float) y);
                }
            }
            double surprise = 0;
            double second = 0;
            double sumS = 0;
            double[] famMax = new double[3];
            who = -1;
            int ci = -1;
            for (Channel c : channels) {
                ci++;
                double raw = switch (c.kind) {
                    case "arz" -> arR == arR ? localZ(0, arR) : arR;
                    case "seasz" -> seasR == seasR ? localZ(1, seasR) : seasR;
                    case "ar" -> arR;
                    case "seas" -> seasR;
                    case "mean" -> meanR;
                    case "level" -> Math.abs(y);
                    default -> throw new IllegalArgumentException(c.kind);
                };
                if (raw == raw) {
                    double cs = c.surprise(Math.max(raw, c.kind.equals("level") ? 0 : o.d("floor", 0)));
                    int fam = c.kind.startsWith("ar") ? 0 : c.kind.startsWith("seas") ? 1 : 2;
                    famMax[fam] = Math.max(famMax[fam], cs);
                    sumS += cs;
                    if (cs > surprise) {
                        second = surprise;
                        surprise = cs;
                        who = ci;
                    } else if (cs > second) {
                        second = cs;
                    }
                }
            }
            switch (o.s("comb", "max")) {
                case "sum" -> surprise = sumS;
                case "top2" -> surprise = surprise + o.d("w2", 1) * second;
                case "fam" -> {
                    double[] f = famMax.clone();
                    Arrays.sort(f);
                    surprise = f[2] + o.d("w2", 1) * f[1] + o.d("w3", 0) * f[0];
                }
                case "fisher" -> {
                    // tail probability of the chi-square(2n) statistic -2 sum ln p_i, n = channels
                    double x = sumS * Math.log(10);
                    int n = channels.size();
                    double term = 1;
                    double acc = 1;
                    for (int j = 1; j < n; j++) {
                        term *= x / j;
                        acc += term;
                    }
                    surprise = (x - Math.log(acc)) / Math.log(10);
                }
                default -> { }
            }
            point[0] = (float) v;
            double dev = Math.abs(v - center);
            location.update(point);
            point[0] = (float) dev;
            deviation.update(point);
            recent[(int) (seen % recent.length)] = v;
            if (o.d("bonf", 0) > 0) {
                surprise = Math.max(0, surprise - o.d("bonf", 0) * Math.log10(1 + seen / 1000.0));
            }
            double out = suppress(surprise);
            seen++;
            return out / (out + half);
        }

        void observeTime(long t) {
            if (deltaCount == deltas.length) {
                return;
            }
            long d = t - lastTime;
            if (d <= 0) {
                return;
            }
            deltas[deltaCount++] = d;
            if (deltaCount < deltas.length) {
                return;
            }
            long[] sorted = deltas.clone();
            Arrays.sort(sorted);
            long rows = Math.round(86_400.0 / sorted[deltas.length / 2]);
            if (rows < 2 || rows > 86_400) {
                return;
            }
            period = (int) rows;
            if (o.d("dayscale", 0) > 0) {
                makeChannels(period / o.d("dayscale", 0));
            }
            int need = Math.max(w + 1, (week ? 7 : seasDays) * period + k + 1);
            double[] wider = new double[need];
            for (long back = 1; back <= Math.min(seen, recent.length); back++) {
                wider[(int) ((seen - back) % wider.length)] = lag(back);
            }
            recent = wider;
            if (arSeason) {
                arX = new float[w + 2 * k + 2];
                ar = LinearRegression.builder(arX.length).stepSize(StepSize.constant(o.d("step", 0.05))).build();
            }
            seasX = new float[(seasDays + (week ? 1 : 0)) * (2 * k + 1) + 1];
            seas = LinearRegression.builder(seasX.length).stepSize(StepSize.constant(o.d("seasstep", 0.05))).build();
        }

        double corrected(MeanEstimator e) {
            long n = e.samplesSeen();
            if (n == 0) {
                return 0;
            }
            e.estimate(point);
            return point[0] / -Math.expm1(n * Math.log1p(-e.stepSize()));
        }

        double suppress(double surprise) {
            if (sup == 0) {
                return surprise;
            }
            double recentMax = 0;
            for (double e : emitted) {
                recentMax = Math.max(recentMax, e);
            }
            boolean rawBar = o.s("bar", "emit").equals("raw");
            double out;
            if (lastEmit >= 0 && seen - lastEmit <= o.i("refr", 0)) {
                out = 0;
            } else if (o.s("out", "full").equals("excess")) {
                out = Math.max(0, surprise - recentMax);
            } else {
                out = surprise > recentMax + (recentMax > 0 ? margin : 0) ? surprise : 0;
            }
            emitted[(int) (seen % sup)] = rawBar ? surprise : out;
            if (out > 0) {
                lastEmit = seen;
            }
            return out;
        }
    }

    /** Sliding sorted window with an exponential (gpd=0) or GPD (gpd=1, method of moments, shape >= 0) tail. */
    static final class LabTail {
        private final int capacity;
        private final double quantile;
        private final int gpd;
        private final double[] sorted;
        private final double[] order;
        private int size;
        private long added;

        LabTail(int capacity, double quantile, int gpd) {
            this.capacity = capacity;
            this.quantile = quantile;
            this.gpd = gpd;
            this.sorted = new double[capacity];
            this.order = new double[capacity];
        }

        double surprise(double x) {
            int n = size;
            if (n < 64) {
                return 0;
            }
            int u = Math.min(n - 1, (int) (quantile * n));
            double threshold = sorted[u];
            if (x <= threshold) {
                int below = lowerBound(x);
                return -Math.log10((double) (n - below + 1) / (n + 1));
            }
            double sum = 0;
            double sumSq = 0;
            int m = 0;
            for (int j = u + 1; j < n; j++) {
                double e = sorted[j] - threshold;
                sum += e;
                sumSq += e * e;
                m++;
            }
            int tailCount = n - u;
            double logZeta = Math.log10((double) tailCount / (n + 1));
            double mean = m == 0 ? 0 : sum / m;
            double floor = 1e-12 * Math.max(1, threshold);
            if (gpd == 0 || m < 3) {
                double beta = Math.max(sum / Math.max(1, tailCount - 1), floor);
                return Math.min(300, -(logZeta - (x - threshold) / beta / Math.log(10)));
            }
            double var = Math.max(sumSq / m - mean * mean, 1e-300);
            double xi = Math.max(0, Math.min(0.9, 0.5 * (1 - mean * mean / var)));
            double sigma = Math.max(0.5 * mean * (mean * mean / var + 1), floor);
            if (xi < 1e-6) {
                return Math.min(300, -(logZeta - (x - threshold) / mean / Math.log(10)));
            }
            return Math.min(300, -(logZeta - Math.log10(1 + xi * (x - threshold) / sigma) / xi));
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

    public static void main(String[] args) throws Exception {
        List<NabScore.LabelledFile> files = NabScore.load(Path.of(args.length > 0 ? args[0] : "../shared/data/nab"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Opt o = new Opt(line);
            List<double[]> scores = new ArrayList<>();
            List<int[]> whos = new ArrayList<>();
            for (NabScore.LabelledFile f : files) {
                Detector d = new Detector(o);
                double[] sc = new double[f.values().length];
                int[] wh = new int[sc.length];
                for (int i = 0; i < sc.length; i++) {
                    sc[i] = d.next(f.epochSeconds()[i], f.values()[i]);
                    wh[i] = d.who;
                }
                scores.add(sc);
                whos.add(wh);
            }
            NabScore.Scores r = NabScore.score(files, scores, null);
            System.out.printf(Locale.ROOT, "%s | %s | det %d fp %d thr %.4f%n", r, line, r.detected()[0],
                    r.falsePositives()[0], r.thresholds()[0]);
            if (o.i("v", 0) == 1) {
                NabSelection.verbose(files, scores, r.thresholds()[0]);
                double thr = r.thresholds()[0];
                for (int fi = 0; fi < files.size(); fi++) {
                    NabScore.LabelledFile f = files.get(fi);
                    StringBuilder sb = new StringBuilder();
                    for (int i = f.firstScored(); i < f.values().length; i++) {
                        if (scores.get(fi)[i] >= thr) {
                            sb.append(f.windowId()[i] < 0 ? " F" : " T").append(whos.get(fi)[i]).append('@').append(i);
                        }
                    }
                    if (sb.length() > 0) {
                        System.out.println("     " + f.relative() + ":" + sb);
                    }
                }
            }
            if (o.m.containsKey("rank")) {
                List<String> rows = new ArrayList<>();
                List<double[]> keys = new ArrayList<>();
                for (int fi = 0; fi < files.size(); fi++) {
                    NabScore.LabelledFile f = files.get(fi);
                    boolean[] seenW = new boolean[f.windows().length];
                    for (int i = f.firstScored(); i < f.values().length; i++) {
                        double v = scores.get(fi)[i];
                        if (v >= o.d("rank", 0.4)) {
                            int wi = f.windowId()[i];
                            String tag = wi < 0 ? "F" : seenW[wi] ? "t" : "T";
                            if (wi >= 0 && !seenW[wi]) {
                                // first detection of a window at the lowest threshold: not necessarily the best
                            }
                            keys.add(new double[] {v, rows.size()});
                            rows.add(String.format(Locale.ROOT, "%.4f %s%s ch%d %s@%d", v, tag, wi < 0 ? "" : "" + wi,
                                    whos.get(fi)[i], f.relative().replaceAll(".*/", ""), i));
                        }
                    }
                }
                keys.sort((a, b) -> Double.compare(b[0], a[0]));
                for (double[] kk : keys) {
                    System.out.println("    " + rows.get((int) kk[1]));
                }
            }
            if (o.m.containsKey("dump")) {
                for (int fi = 0; fi < files.size(); fi++) {
                    Path p = Path.of(o.s("dump", "")).resolve(files.get(fi).relative());
                    java.nio.file.Files.createDirectories(p.getParent());
                    StringBuilder sb = new StringBuilder("timestamp,value,anomaly_score\n");
                    for (double v : scores.get(fi)) {
                        sb.append("x,0,").append(v).append('\n');
                    }
                    java.nio.file.Files.writeString(p, sb);
                }
            }
        }
    }
}
