package io.clipstream.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, dependency-free SVG line chart: linear or log-10 y axis, linear x axis, one polyline per series with
 * a legend, optional bands (e.g. a threshold interval), markers in three shapes (e.g. decisions), shaded x-spans
 * (e.g. where a threshold does not exist yet) and vertical rules in named styles (e.g. true and detected change
 * points). Used by the sweep plot and the HTML reports; the output is a self-contained {@code <svg>} element that
 * scales down to the width of its container (its {@code viewBox} keeps the proportions).
 *
 * <p>Nothing non-finite is ever drawn at a made-up position: a line or band is broken where a value is infinite or
 * NaN (or not positive on a log axis), so an infinite threshold leaves a gap, which callers explain with a
 * {@link #spans span} and a legend entry.
 */
public final class SvgChart {

    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
        "#e377c2", "#7f7f7f"};

    /** One line. */
    private record Series(String name, double[] x, double[] y, String color, boolean dashed) {
    }

    /** The shape of a mark. */
    public enum Shape { CIRCLE, TRIANGLE, CROSS }

    /** Points drawn as small marks. */
    private record Marks(String name, double[] x, double[] y, String color, Shape shape) {
    }

    /** A band between a lower and an upper curve. */
    private record Band(String name, double[] x, double[] lower, double[] upper, String color) {
    }

    /** Shaded x-ranges [start, end) over the whole plot height. */
    private record Spans(String name, double[] start, double[] end, String color) {
    }

    /** Vertical rules sharing a style and a legend entry. */
    private record Rules(String name, List<Double> x, String color, boolean dashed) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private final List<Marks> marks = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Spans> spans = new ArrayList<>();
    private final List<Rules> rules = new ArrayList<>();
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

    /** Adds a solid line in the given colour. */
    public SvgChart line(String name, double[] x, double[] y, String color) {
        series.add(new Series(name, x, y, color, false));
        return this;
    }

    /** Adds a dashed line in the given colour. */
    public SvgChart dashed(String name, double[] x, double[] y, String color) {
        series.add(new Series(name, x, y, color, true));
        return this;
    }

    /** Adds points drawn as circles. */
    public SvgChart marks(String name, double[] x, double[] y, String color) {
        return marks(name, x, y, color, Shape.CIRCLE);
    }

    /** Adds points drawn as marks of the given shape. */
    public SvgChart marks(String name, double[] x, double[] y, String color, Shape shape) {
        marks.add(new Marks(name, x, y, color, shape));
        return this;
    }

    /** Adds shaded x-ranges {@code [start[i], end[i])} over the whole plot height, with one legend entry. */
    public SvgChart spans(String name, double[] start, double[] end, String color) {
        if (start.length != end.length) {
            throw new IllegalArgumentException("spans need as many ends as starts: " + start.length + " vs " + end.length);
        }
        spans.add(new Spans(name, start, end, color));
        return this;
    }

    /** Adds a shaded band between {@code lower} and {@code upper}. */
    public SvgChart band(String name, double[] x, double[] lower, double[] upper, String color) {
        bands.add(new Band(name, x, lower, upper, color));
        return this;
    }

    /** Adds a vertical rule at {@code x}, dashed black, in the legend as "change point". */
    public SvgChart rule(double x) {
        return rule(x, "change point", "#000", true);
    }

    /** Adds a vertical rule at {@code x}; rules with the same name share one legend entry (and the first style). */
    public SvgChart rule(double x, String name, String color, boolean dashed) {
        for (Rules r : rules) {
            if (r.name.equals(name)) {
                r.x.add(x);
                return this;
            }
        }
        List<Double> xs = new ArrayList<>();
        xs.add(x);
        rules.add(new Rules(name, xs, color, dashed));
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
                    xMin = Math.min(xMin, m.x[i]);
                    xMax = Math.max(xMax, m.x[i]);
                    yMin = Math.min(yMin, ty(m.y[i]));
                    yMax = Math.max(yMax, ty(m.y[i]));
                }
            }
        }
        for (Spans sp : spans) {
            for (int i = 0; i < sp.start.length; i++) {
                xMin = Math.min(xMin, sp.start[i]);
                xMax = Math.max(xMax, sp.end[i]);
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
        int right = 20;
        int top = 30;
        int bottom = 45;
        double pw = width - left - right;
        double ph = height - top - bottom;
        // the legend goes below the plot, in as many columns as its longest entry allows, so long labels are never
        // cut and a narrow page only scales the chart down
        int entries = bands.size() + series.size() + marks.size() + spans.size() + rules.size();
        int longest = 0;
        for (String n : legendNames()) {
            longest = Math.max(longest, n.length());
        }
        int columnWidth = 34 + (int) Math.ceil(6.2 * longest);
        int columns = Math.max(1, Math.min(entries, (int) (pw / columnWidth)));
        int legendRows = (entries + columns - 1) / columns;
        int legendTop = height + 4;
        int fullHeight = height + (entries == 0 ? 0 : legendRows * 16 + 8);
        final double x0 = xMin;
        final double xs = pw / (xMax - xMin);
        final double y0 = yMin;
        final double ys = ph / (yMax - yMin);
        StringBuilder out = new StringBuilder();
        // width/height give the natural size; the style lets a narrow container scale it down (viewBox keeps the
        // proportions), so a report never needs horizontal scrolling for its charts
        int id = System.identityHashCode(this);
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" style=\"max-width:100%%;height:auto\" font-family=\"sans-serif\" "
                + "font-size=\"11\">%n", width, fullHeight, width, fullHeight));
        out.append(String.format(Locale.ROOT, "<defs><pattern id=\"hatch%d\" width=\"6\" height=\"6\" "
                + "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" "
                + "y2=\"6\" stroke=\"#888\" stroke-width=\"1.5\"/></pattern></defs>%n", id));
        out.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, fullHeight));
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
                + "height=\"%.1f\"/></clipPath><g clip-path=\"url(#plot%d)\">%n", id, left, top, pw, ph, id));
        for (Spans sp : spans) {
            for (int i = 0; i < sp.start.length; i++) {
                double a = left + (Math.max(sp.start[i], x0) - x0) * xs;
                double b = left + (Math.min(sp.end[i], xMax) - x0) * xs;
                if (b > a) {
                    out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
                            + "fill=\"%s\" fill-opacity=\"0.18\"/><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                            + "height=\"%.1f\" fill=\"url(#hatch%d)\" fill-opacity=\"0.5\"/>%n", a, top,
                            Math.max(1, b - a), ph, sp.color, a, top, Math.max(1, b - a), ph, id));
                }
            }
        }
        for (Band b : bands) {
            // one polygon per run of points where both ends are drawable: an infinite end leaves a gap
            int i = 0;
            while (i < b.x.length) {
                while (i < b.x.length && !(drawable(b.lower[i]) && drawable(b.upper[i]))) {
                    i++;
                }
                int from = i;
                while (i < b.x.length && drawable(b.lower[i]) && drawable(b.upper[i])) {
                    i++;
                }
                if (i > from) {
                    StringBuilder poly = new StringBuilder();
                    for (int k = from; k < i; k++) {
                        appendPoint(poly, left + (b.x[k] - x0) * xs, top + ph - (ty(b.upper[k]) - y0) * ys);
                    }
                    for (int k = i - 1; k >= from; k--) {
                        appendPoint(poly, left + (b.x[k] - x0) * xs, top + ph - (ty(b.lower[k]) - y0) * ys);
                    }
                    out.append(String.format(Locale.ROOT, "<polygon points=\"%s\" fill=\"%s\" fill-opacity=\"0.25\" "
                            + "stroke=\"%s\" stroke-opacity=\"0.6\" stroke-width=\"0.8\"/>%n", poly, b.color, b.color));
                }
            }
        }
        // marks under the lines (a threshold stays visible above the points it separates), rules on top
        for (Marks m : marks) {
            for (int i = 0; i < m.x.length; i++) {
                if (drawable(m.y[i])) {
                    mark(out, m.shape, left + (m.x[i] - x0) * xs, top + ph - (ty(m.y[i]) - y0) * ys, 2, m.color);
                }
            }
            out.append('\n');
        }
        for (Series s : series) {
            // broken where a value cannot be drawn: a gap, never a jump to a made-up position
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i <= s.x.length; i++) {
                if (i < s.x.length && drawable(s.y[i])) {
                    appendPoint(pts, left + (s.x[i] - x0) * xs, top + ph - (ty(s.y[i]) - y0) * ys);
                } else if (!pts.isEmpty()) {
                    out.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                            + "stroke-width=\"1.6\"%s/>%n", pts, s.color, s.dashed ? " stroke-dasharray=\"6 3\"" : ""));
                    pts.setLength(0);
                }
            }
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
        for (Rules r : rules) {
            for (double x : r.x) {
                double px = left + (x - x0) * xs;
                out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" "
                        + "stroke=\"%s\" stroke-width=\"1.2\"%s/>%n", px, px, top, top + ph, r.color,
                        r.dashed ? " stroke-dasharray=\"4 3\"" : ""));
            }
        }
        out.append("</g>\n");
        // legend, below the plot
        int slot = 0;
        for (Band b : bands) {
            double lx = legendX(slot, columns, columnWidth, left);
            int ly = legendTop + (slot++ / columns) * 16;
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"8\" fill=\"%s\" "
                    + "fill-opacity=\"0.3\"/><text x=\"%.1f\" y=\"%d\">%s</text>%n", lx, ly, b.color, lx + 18, ly + 8,
                    escape(b.name)));
        }
        for (Series s : series) {
            double lx = legendX(slot, columns, columnWidth, left);
            int ly = legendTop + (slot++ / columns) * 16;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%d\">%s</text>%n", lx, lx + 14, ly + 4, ly + 4,
                    s.color, s.dashed ? " stroke-dasharray=\"6 3\"" : "", lx + 18, ly + 8, escape(s.name)));
        }
        for (Marks m : marks) {
            double lx = legendX(slot, columns, columnWidth, left);
            int ly = legendTop + (slot++ / columns) * 16;
            mark(out, m.shape, lx + 7, ly + 4, 3, m.color);
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", lx + 18, ly + 8,
                    escape(m.name)));
        }
        for (Spans sp : spans) {
            double lx = legendX(slot, columns, columnWidth, left);
            int ly = legendTop + (slot++ / columns) * 16;
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\" "
                    + "fill-opacity=\"0.18\"/><rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" "
                    + "fill=\"url(#hatch%d)\" fill-opacity=\"0.5\"/><text x=\"%.1f\" y=\"%d\">%s</text>%n",
                    lx, ly - 1, sp.color, lx, ly - 1, id, lx + 18, ly + 8, escape(sp.name)));
        }
        for (Rules r : rules) {
            double lx = legendX(slot, columns, columnWidth, left);
            int ly = legendTop + (slot++ / columns) * 16;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"1.2\"%s/><text x=\"%.1f\" y=\"%d\">%s</text>%n", lx, lx + 14, ly + 4, ly + 4,
                    r.color, r.dashed ? " stroke-dasharray=\"4 3\"" : "", lx + 18, ly + 8, escape(r.name)));
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private List<String> legendNames() {
        List<String> names = new ArrayList<>();
        bands.forEach(b -> names.add(b.name));
        series.forEach(x -> names.add(x.name));
        marks.forEach(m -> names.add(m.name));
        spans.forEach(x -> names.add(x.name));
        rules.forEach(r -> names.add(r.name));
        return names;
    }

    private static double legendX(int slot, int columns, int columnWidth, int left) {
        return left + (slot % columns) * columnWidth;
    }

    private boolean drawable(double y) {
        return Double.isFinite(y) && (!logY || y > 0);
    }

    private static void mark(StringBuilder out, Shape shape, double cx, double cy, double r, String color) {
        switch (shape) {
            case CIRCLE -> out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" "
                    + "fill=\"%s\"/>", cx, cy, r, color));
            case TRIANGLE -> out.append(String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                    + "fill=\"%s\"/>", cx, cy - 1.3 * r, cx - 1.2 * r, cy + r, cx + 1.2 * r, cy + r, color));
            case CROSS -> out.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" "
                    + "stroke=\"%s\" stroke-width=\"1.4\"/>", cx - r, cy - r, cx + r, cy + r, cx - r, cy + r, cx + r,
                    cy - r, color));
        }
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
