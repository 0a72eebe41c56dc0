package io.clipstream.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.clipstream.experiments.Demo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo's HTML report as a browser shows it: Debian's chromium, headless, loads the report from a local server
 * with a small script appended that measures the laid-out page and writes what it found into the DOM, which
 * {@code --dump-dom} prints. Checked at a phone's width (360 px) and a desktop's (1280 px): no horizontal
 * scrolling of the page; every chart inside the viewport; the three decisions drawn in three distinct marks and
 * named in the legend; true change points and detected changes drawn in two styles, the latter at the samples the
 * caption lists; the hatched spans the caption promises where the threshold is infinite. Screenshots of both widths
 * are kept in {@code app/target/report-check/} for a human look. Skipped, with a message, without chromium
 * ({@code apt-get install chromium}; {@code .ci/run} installs it when it can).
 */
class ReportInBrowserIT {

    private static Path dir;
    private static HttpServer server;
    private static Demo.Result result;
    private static String base;

    static Optional<Path> chromium() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String p : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (!p.isEmpty()) {
                    candidates.add(Path.of(p, name));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    @BeforeAll
    static void writeAndServeTheReport() throws IOException {
        Assumptions.assumeTrue(chromium().isPresent(),
                "chromium not found (apt-get install chromium, or CHROMIUM=/path): the report's browser check is skipped");
        dir = Path.of("target", "report-check").toAbsolutePath();
        Files.createDirectories(dir);
        Demo.Settings s = Demo.Settings.defaults().resized(40_000, 16, 3);
        result = Demo.run(s, t -> { });
        Path report = dir.resolve("report.html");
        Demo.report(result, report, "browser check");
        String html = Files.readString(report);
        String probe = Files.readString(Path.of("src", "test", "resources", "report-probe.js"));
        String instrumented = html.replace("</body>", "<script>\n" + probe + "\n</script>\n</body>");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/report.html", exchange -> {
            byte[] body = instrumented.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        // the width under test is an iframe's: headless chromium will not make its window narrower than ~500 px
        server.createContext("/frame.html", exchange -> {
            String width = exchange.getRequestURI().getQuery().replaceAll("[^0-9]", "");
            byte[] body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">"
                    + "<iframe src=\"report.html\" style=\"width:" + width + "px;height:4000px;border:0\"></iframe>"
                    + "</body></html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Runs chromium on the report at the given window width; returns the probe's findings. */
    private static Map<String, String> probe(int width) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> common = List.of(chromium().orElseThrow().toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--window-size=" + Math.max(width + 40, 800) + ",1000", "--virtual-time-budget=5000");
        List<String> dump = new ArrayList<>(common);
        dump.addAll(List.of("--dump-dom", base + "frame.html?w=" + width));
        Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        List<String> shot = new ArrayList<>(common);
        shot.set(shot.size() - 2, "--window-size=" + Math.max(width, 500) + ",3200");
        shot.addAll(List.of("--screenshot=" + dir.resolve("report-" + width + "px.png"), base + "frame.html?w=" + width));
        Process q = new ProcessBuilder(shot).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        q.waitFor(120, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("<pre id=\"clipstream-probe\">([^<]*)</pre>").matcher(dom);
        assertTrue(m.find(), "the probe did not run; page was:\n" + dom.substring(0, Math.min(2000, dom.length())));
        Map<String, String> found = new TreeMap<>();
        for (String line : m.group(1).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                found.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return found;
    }

    private static int number(Map<String, String> found, String key) {
        assertTrue(found.containsKey(key), key + " missing from " + found);
        return (int) Math.round(Double.parseDouble(found.get(key)));
    }

    private void checkLayoutAndContent(int width) throws Exception {
        Map<String, String> f = probe(width);
        String at = " at " + width + " px: " + f;
        assertEquals(width, number(f, "viewportWidth"), "the width under test" + at);
        assertTrue(number(f, "pageWidth") <= number(f, "viewportWidth"), "the page scrolls sideways" + at);
        assertEquals(0, number(f, "chartsOutside"), "a chart sticks out of the viewport" + at);
        assertTrue(number(f, "charts") >= 2, at);
        // three decisions, three marks, each named in the legend
        assertTrue(number(f, "benignMarks") > 0 && number(f, "anomalyMarks") > 0, at);
        for (String legend : List.of("legend.BENIGN", "legend.ABSTAIN", "legend.ANOMALY", "legend.threshold",
                "legend.true change point", "legend.change detected", "legend.no threshold yet")) {
            assertEquals("1", f.get(legend), legend + at);
        }
        // detected changes: one solid purple rule per change listed in the caption (and in the result)
        assertEquals(result.detectedChanges().length, number(f, "detectedRules"), at);
        assertEquals(result.settings().changePoints().length, number(f, "truthRules"), at);
        for (long c : result.detectedChanges()) {
            assertTrue(f.get("caption").contains(Long.toString(c)), "caption lists change " + c + at);
        }
        // the caption promises hatched spans where there is no threshold: they must be drawn
        assertTrue(f.get("caption").contains("hatched"), at);
        assertTrue(number(f, "hatchedSpans") >= result.noThreshold().size(), at);
        assertTrue(number(f, "thresholdSegments") >= 1, at);
    }

    @Test
    void aPhoneWidthShowsTheWholePage() throws Exception {
        checkLayoutAndContent(360);
    }

    @Test
    void aDesktopWidthShowsTheWholePage() throws Exception {
        checkLayoutAndContent(1280);
    }
}
