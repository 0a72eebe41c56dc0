package io.clipstream.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, dependency-free SVG line chart: linear or log-10 y axis, linear x axis, one polyline per series with
 * a legend, optional horizontal band (e.g. a threshold interval), optional markers (e.g. flagged points) and
 * vertical rules (e.g. change points). Used by the sweep plot and the HTML report; the output is a self-contained
 * {@code <svg>} element.
 */
public final class SvgChart {

    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
        "#e377c2", "#7f7f7f"};

    /** One line. */
    private record Series(String name, double[] x, double[] y, String color, boolean dashed) {
    }

    /** Points drawn as small marks. */
    private record Marks(String name, double[] x, double[] y, String color) {
    }

    /** A band between a lower and an upper curve. */
    private record Band(String name, double[] x, double[] lower, double[] upper, String color) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private final List<Marks> marks = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<double[]> rules = new ArrayList<>();
    private int width = 720;
    private int height = 360;

    /** A chart with the given title and axis labels; {@code logY} plots log10 of y. */
    public SvgChart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** Sets the pixel size (default 720 x 360). */
    public SvgChart size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a line. */
    public SvgChart line(String name, double[] x, double[] y) {
        series.add(new Series(name, x, y, PALETTE[series.size() % PALETTE.length], false));
        return this;
    }

    /** Adds a dashed line in the given colour. */
    public SvgChart dashed(String name, double[] x, double[] y, String color) {
        series.add(new Series(name, x, y, color, true));
        return this;
    }

    /** Adds points drawn as marks. */
    public SvgChart marks(String name, double[] x, double[] y, String color) {
        marks.add(new Marks(name, x, y, color));
        return this;
    }

    /** Adds a shaded band between {@code lower} and {@code upper}. */
    public SvgChart band(String name, double[] x, double[] lower, double[] upper, String color) {
        bands.add(new Band(name, x, lower, upper, color));
        return this;
    }

    /** Adds a vertical rule at {@code x} (e.g. a change point). */
    public SvgChart rule(double x) {
        rules.add(new double[] {x});
        return this;
    }

    private double ty(double y) {
        return logY ? Math.log10(Math.max(y, 1e-300)) : y;
    }

    /** Renders the chart as an SVG element. */
    public String render() {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.y[i]) && (!logY || s.y[i] > 0)) {
                    xMin = Math.min(xMin, s.x[i]);
                    xMax = Math.max(xMax, s.x[i]);
                    yMin = Math.min(yMin, ty(s.y[i]));
                    yMax = Math.max(yMax, ty(s.y[i]));
                }
            }
        }
        for (Band b : bands) {
            for (int i = 0; i < b.x.length; i++) {
                for (double v : new double[] {b.lower[i], b.upper[i]}) {
                    if (Double.isFinite(v) && (!logY || v > 0)) {
                        xMin = Math.min(xMin, b.x[i]);
                        xMax = Math.max(xMax, b.x[i]);
                        yMin = Math.min(yMin, ty(v));
                        yMax = Math.max(yMax, ty(v));
                    }
                }
            }
        }
        for (Marks m : marks) {
            for (int i = 0; i < m.x.length; i++) {
                if (Double.isFinite(m.y[i]) && (!logY || m.y[i] > 0)) {
                    yMin = Math.min(yMin, ty(m.y[i]));
                    yMax = Math.max(yMax, ty(m.y[i]));
                }
            }
        }
        if (!(xMin < xMax)) {
            xMin = xMin == Double.POSITIVE_INFINITY ? 0 : xMin - 1;
            xMax = xMin + 2;
        }
        if (!(yMin < yMax)) {
            yMin = yMin == Double.POSITIVE_INFINITY ? 0 : yMin - 1;
            yMax = yMin + 2;
        }
        if (logY) {
            yMin = Math.floor(yMin);
            yMax = Math.ceil(yMax);
        } else {
            double pad = 0.05 * (yMax - yMin);
            yMin -= pad;
            yMax += pad;
        }
        int left = 70;
        int right = 170;
        int top = 30;
        int bottom = 45;
        double pw = width - left - right;
        double ph = height - top - bottom;
        final double x0 = xMin;
        final double xs = pw / (xMax - xMin);
        final double y0 = yMin;
        final double ys = ph / (yMax - yMin);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        out.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
                left, escape(title)));
        // axes and ticks
        out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                + "stroke=\"#999\"/>%n", left, top, pw, ph));
        for (double t : ticks(yMin, yMax, logY)) {
            double py = top + ph - (t - y0) * ys;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left, left + pw, py, py, left - 5,
                    py + 4, logY ? label(Math.pow(10, t)) : label(t)));
        }
        for (double t : ticks(xMin, xMax, false)) {
            double px = left + (t - x0) * xs;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n", px, px, top, top + ph, px,
                    top + ph + 15, label(t)));
        }
        out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                left + pw / 2, height - 8, escape(xLabel)));
        out.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 14 %.1f)\">%s</text>%n", top + ph / 2, top + ph / 2, escape(yLabel)));
        out.append(String.format(Locale.ROOT, "<clipPath id=\"plot%d\"><rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
                + "height=\"%.1f\"/></clipPath><g clip-path=\"url(#plot%d)\">%n", System.identityHashCode(this), left,
                top, pw, ph, System.identityHashCode(this)));
        for (Band b : bands) {
            StringBuilder poly = new StringBuilder();
            for (int i = 0; i < b.x.length; i++) {
                appendPoint(poly, left + (b.x[i] - x0) * xs, top + ph - (ty(b.upper[i]) - y0) * ys);
            }
            for (int i = b.x.length - 1; i >= 0; i--) {
                appendPoint(poly, left + (b.x[i] - x0) * xs, top + ph - (ty(b.lower[i]) - y0) * ys);
            }
            out.append(String.format(Locale.ROOT, "<polygon points=\"%s\" fill=\"%s\" fill-opacity=\"0.25\" "
                    + "stroke=\"none\"/>%n", poly, b.color));
        }
        for (double[] r : rules) {
            double px = left + (r[0] - x0) * xs;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#000\" "
                    + "stroke-dasharray=\"4 3\"/>%n", px, px, top, top + ph));
        }
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.y[i]) && (!logY || s.y[i] > 0)) {
                    appendPoint(pts, left + (s.x[i] - x0) * xs, top + ph - (ty(s.y[i]) - y0) * ys);
                }
            }
            out.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"1.6\"%s/>%n", pts, s.color, s.dashed ? " stroke-dasharray=\"6 3\"" : ""));
            if (s.x.length <= 20) {
                for (int i = 0; i < s.x.length; i++) {
                    if (Double.isFinite(s.y[i]) && (!logY || s.y[i] > 0)) {
                        out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                                left + (s.x[i] - x0) * xs, top + ph - (ty(s.y[i]) - y0) * ys, s.color));
                    }
                }
                out.append('\n');
            }
        }
        for (Marks m : marks) {
            for (int i = 0; i < m.x.length; i++) {
                out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>",
                        left + (m.x[i] - x0) * xs, top + ph - (ty(m.y[i]) - y0) * ys, m.color));
            }
            out.append('\n');
        }
        out.append("</g>\n");
        // legend
        int ly = top + 5;
        for (Band b : bands) {
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"8\" fill=\"%s\" "
                    + "fill-opacity=\"0.3\"/><text x=\"%.1f\" y=\"%d\">%s</text>%n", left + pw + 10, ly, b.color,
                    left + pw + 28, ly + 8, escape(b.name)));
            ly += 16;
        }
        for (Series s : series) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%d\">%s</text>%n", left + pw + 10, left + pw + 24,
                    ly + 4, ly + 4, s.color, s.dashed ? " stroke-dasharray=\"6 3\"" : "", left + pw + 28, ly + 8,
                    escape(s.name)));
            ly += 16;
        }
        for (Marks m : marks) {
            out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3\" fill=\"%s\"/><text x=\"%.1f\" "
                    + "y=\"%d\">%s</text>%n", left + pw + 17, ly + 4, m.color, left + pw + 28, ly + 8, escape(m.name)));
            ly += 16;
        }
        if (!rules.isEmpty()) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#000\" "
                    + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\">change point</text>%n", left + pw + 10,
                    left + pw + 24, ly + 4, ly + 4, left + pw + 28, ly + 8));
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private static void appendPoint(StringBuilder sb, double x, double y) {
        sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }

    private static List<Double> ticks(double min, double max, boolean log) {
        List<Double> t = new ArrayList<>();
        if (log) {
            double step = Math.max(1, Math.ceil((max - min) / 8));
            for (double v = Math.ceil(min); v <= max + 1e-9; v += step) {
                t.add(v);
            }
            return t;
        }
        double raw = (max - min) / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
        for (double v = Math.ceil(min / step) * step; v <= max + 1e-9 * step; v += step) {
            t.add(v);
        }
        return t;
    }

    static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e4 && a < 1e9 && v == Math.rint(v)) {
            // sample indices and counts: 20k, 140k, 1.5M
            return a >= 1e6 ? trim(String.format(Locale.ROOT, "%.2f", v / 1e6)) + "M"
                    : trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        }
        if (a >= 1e5 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.0e", v);
        }
        String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 ? "%.2f" : "%.3f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static String trim(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** Escapes text for XML. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
