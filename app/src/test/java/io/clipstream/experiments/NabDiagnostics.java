package io.clipstream.experiments;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where the NAB detector's decisions come from, on the shared files (README, "NAB", "Why the in-sample target is
 * out of reach of this design"): {@code nice -n 10 mvn -q -DskipTests package exec:exec@nab-diagnostics} (seconds).
 * Optional arguments after the data directory: {@code key=value} overrides of the defaults, as for
 * {@link NabSelection}. Prints three things:
 * <ol>
 *   <li><b>Calibration</b>: per category and channel, how often the channel's surprise (before the correction for
 *       the number of channels and memories) reaches 2, 3, 4 and 5 decades on rows outside the labelled windows
 *       and after each file's first 1,000 rows, over how often it would if it were calibrated
 *       ({@code rows * 10^-level}). 1 is calibrated, above 1 over-confident. Rows, not episodes: a smoothed
 *       channel stays high for several rows once it is high, which inflates its ratio.</li>
 *   <li><b>Per file</b> (files with windows): each window's largest surprise per channel and its row within the
 *       window; each alarm after the probationary period, in or out of a window, with the channel that made it and
 *       its surprise.</li>
 *   <li><b>Alarms by outcome</b> on realKnownCause: the channel surprises that made true and false alarms (if they
 *       overlap, no alarm level separates them), for the alarms made by the rows' own detector; an alarm made by a
 *       coarse time scale is listed with its block length and combined surprise. The channels are the rows' own
 *       detector's ({@code timeScales=0} gives round 2's detector).</li>
 * </ol>
 */
public final class NabDiagnostics {

    static final String[] CHANNELS = {"near", "near mean", "far mean", "far long mean", "value", "combined"};
    static final double[] LEVELS = {2, 3, 4, 5};

    private NabDiagnostics() {
    }

    public static void main(String[] args) throws Exception {
        Path nab = ExecData.require(Path.of(args.length > 0 ? args[0] : "../shared/data/nab"), "NAB",
                "-Dnab.data=DIR (DIR/data, DIR/labels) or -Dclipstream.data=DIR (reads DIR/nab)");
        List<NabScore.LabelledFile> files = NabScore.load(nab);
        Nab.Settings s = NabSelection.parse(Nab.Settings.defaults(), args, 1);
        System.out.println(s);
        List<Double> truePositives = new ArrayList<>();
        List<Double> falsePositives = new ArrayList<>();
        StringBuilder perFile = new StringBuilder();
        for (String category : NabSelection.CATEGORIES) {
            long rows = 0;
            long[][] counts = new long[CHANNELS.length][LEVELS.length];
            for (NabScore.LabelledFile f : files) {
                if (!f.category().equals(category)) {
                    continue;
                }
                int n = f.values().length;
                double[][] channels = new double[n][CHANNELS.length];
                double[][] scaleSurprises = new double[n][s.timeScales() + 1];
                double[] scores = new double[n];
                Nab.Detector d = new Nab.Detector(s);
                for (int i = 0; i < n; i++) {
                    scores[i] = d.next(f.epochSeconds()[i], f.values()[i]);
                    d.channelSurprises(channels[i]);
                    if (s.timeScales() > 0) {
                        d.scaleSurprises(scaleSurprises[i]);
                    }
                    channels[i][CHANNELS.length - 1] = d.surprise();
                    if (i < 1000 || f.windowId()[i] >= 0) {
                        continue;
                    }
                    rows++;
                    for (int c = 0; c < CHANNELS.length; c++) {
                        for (int k = 0; k < LEVELS.length; k++) {
                            counts[c][k] += channels[i][c] >= LEVELS[k] ? 1 : 0;
                        }
                    }
                }
                if (f.windows().length > 0) {
                    perFile.append(describe(f, s, channels, scaleSurprises, scores, truePositives, falsePositives));
                }
            }
            System.out.printf(Locale.ROOT, "%ncalibration, %s (%,d rows outside windows, after row 1,000): observed / "
                    + "calibrated exceedances%n", category, rows);
            System.out.printf(Locale.ROOT, "  %-14s", "channel");
            for (double level : LEVELS) {
                System.out.printf(Locale.ROOT, " %8s", ">= " + (int) level);
            }
            System.out.println();
            for (int c = 0; c < CHANNELS.length; c++) {
                System.out.printf(Locale.ROOT, "  %-14s", CHANNELS[c]);
                for (int k = 0; k < LEVELS.length; k++) {
                    double expected = rows * Math.pow(10, -LEVELS[k]);
                    System.out.printf(Locale.ROOT, " %8.2f", counts[c][k] / expected);
                }
                System.out.println();
            }
        }
        System.out.println();
        System.out.print(perFile);
        System.out.printf(Locale.ROOT, "%nrealKnownCause alarms made by the rows' own detector, surprise of the channel"
                + " that made them (decades, before the correction of %.2f): true %s; false %s%n",
                Math.log10(s.channels()) + Math.log10(s.memories()) + Math.log10(s.timeScales() + 1),
                summary(truePositives), summary(falsePositives));
    }

    private static String describe(NabScore.LabelledFile f, Nab.Settings s, double[][] channels,
                                   double[][] scaleSurprises, double[] scores, List<Double> truePositives,
                                   List<Double> falsePositives) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s (%,d rows, probation %d)%n",
                f.relative(), f.values().length, f.firstScored()));
        for (int[] w : f.windows()) {
            out.append(String.format(Locale.ROOT, "  window rows %d-%d (%d):", w[0], w[1], w[1] - w[0] + 1));
            for (int c = 0; c < CHANNELS.length - 1; c++) {
                double max = 0;
                int at = 0;
                for (int i = w[0]; i <= w[1]; i++) {
                    if (channels[i][c] > max) {
                        max = channels[i][c];
                        at = i - w[0];
                    }
                }
                out.append(String.format(Locale.ROOT, "  %s %.2f @%d", CHANNELS[c], max, at));
            }
            out.append('\n');
        }
        boolean real = f.category().startsWith("real");
        for (int i = f.firstScored(); i < scores.length; i++) {
            if (scores[i] <= 0) {
                continue;
            }
            int best = 0;
            for (int c = 1; c < CHANNELS.length - 1; c++) {
                best = channels[i][c] > channels[i][best] ? c : best;
            }
            boolean inWindow = f.windowId()[i] >= 0;
            String where = inWindow ? "in window " + f.windowId()[i] : "false";
            int scale = 0;
            for (int k = 1; k < scaleSurprises[i].length; k++) {
                scale = scaleSurprises[i][k] > scaleSurprises[i][scale] ? k : scale;
            }
            if (scale > 0) {
                // made by a coarse time scale: its combined surprise (after its own channels' correction)
                long block = s.firstBlock() * (long) Math.pow(s.blockRatio(), scale - 1);
                out.append(String.format(Locale.ROOT, "  alarm row %d %s: blocks of %d rows, combined %.2f%n", i,
                        where, block, scaleSurprises[i][scale]));
                continue;
            }
            if (real) {
                (inWindow ? truePositives : falsePositives).add(channels[i][best]);
            }
            out.append(String.format(Locale.ROOT, "  alarm row %d %s: %s %.2f%n", i, where, CHANNELS[best],
                    channels[i][best]));
        }
        return out.toString();
    }

    private static String summary(List<Double> v) {
        if (v.isEmpty()) {
            return "none";
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%d, min %.2f, median %.2f, max %.2f, %d of them below 5", a.length, a[0],
                a[a.length / 2], a[a.length - 1], Arrays.stream(a).filter(x -> x < 5).count());
    }
}
