package io.clipstream.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A small builder for a self-contained HTML report: headings, paragraphs, tables and inline SVG charts. The page
 * fits a narrow window: charts scale down to its width, and a table too wide for it scrolls inside its own box
 * instead of widening the page (checked in a real browser: {@code ReportInBrowserIT}).
 */
public final class HtmlReport {

    private final StringBuilder body = new StringBuilder();
    private final String title;

    /** A report with the given title. */
    public HtmlReport(String title) {
        this.title = title;
    }

    /** Adds a section heading. */
    public HtmlReport heading(String text) {
        body.append("<h2>").append(SvgChart.escape(text)).append("</h2>\n");
        return this;
    }

    /** Adds a paragraph of plain text. */
    public HtmlReport paragraph(String text) {
        body.append("<p>").append(SvgChart.escape(text)).append("</p>\n");
        return this;
    }

    /** Adds preformatted text. */
    public HtmlReport preformatted(String text) {
        body.append("<pre>").append(SvgChart.escape(text)).append("</pre>\n");
        return this;
    }

    /** Adds a table; the first row is the header. */
    public HtmlReport table(List<List<String>> rows) {
        body.append("<div class=\"table\"><table>\n");
        for (int r = 0; r < rows.size(); r++) {
            body.append("<tr>");
            for (String cell : rows.get(r)) {
                String tag = r == 0 ? "th" : "td";
                body.append('<').append(tag).append('>').append(SvgChart.escape(cell)).append("</").append(tag).append('>');
            }
            body.append("</tr>\n");
        }
        body.append("</table></div>\n");
        return this;
    }

    /** Adds a chart. */
    public HtmlReport chart(SvgChart chart) {
        body.append("<div class=\"chart\">").append(chart.render()).append("</div>\n");
        return this;
    }

    /** The whole document. */
    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
                + SvgChart.escape(title) + "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;"
                + "padding:0 12px;color:#222;overflow-wrap:break-word}"
                + ".table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                + "padding:4px 10px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
                + "pre{background:#f8f8f8;padding:8px;overflow-x:auto}.chart{margin:1em 0}"
                + ".chart svg{max-width:100%;height:auto;display:block}</style></head>\n<body>\n<h1>"
                + SvgChart.escape(title) + "</h1>\n" + body + "</body></html>\n";
    }

    /**
     * Writes the document whole or not at all (a temporary file moved into place, see
     * {@link io.clipstream.experiments.OutputFiles}): an error never leaves half a report or destroys an earlier one.
     */
    public void write(Path file) throws IOException {
        String html = render();
        io.clipstream.experiments.OutputFiles.write(file, out -> out.write(html));
    }
}
