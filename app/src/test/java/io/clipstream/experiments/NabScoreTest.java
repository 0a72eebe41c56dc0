package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NabScore}, the Java port of {@code nab_score.py} that every NAB margin in {@link NabTest} and every figure of
 * the selection is computed with: the perfect and the null detector, a case worked by hand from NAB's rules, and
 * agreement with the Python tool on graded scores (when python3 and the tool are there).
 */
class NabScoreTest {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final long T0 = 1_396_310_400L;

    /** A file of {@code n} five-minute rows with windows {@code [left, right]} (inclusive rows). */
    private record Spec(String relative, int n, int[][] windows) {
    }

    /** Writes {@code nab/data/...} and {@code nab/labels/combined_windows.json} for the specs. */
    private static void write(Path nab, List<Spec> specs) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        for (int s = 0; s < specs.size(); s++) {
            Spec spec = specs.get(s);
            StringBuilder csv = new StringBuilder("timestamp,value\n");
            for (int i = 0; i < spec.n(); i++) {
                csv.append(time(i)).append(',').append(50 + i % 7).append('\n');
            }
            Path file = nab.resolve("data").resolve(spec.relative());
            Files.createDirectories(file.getParent());
            Files.writeString(file, csv);
            json.append("  \"").append(spec.relative()).append("\": [");
            for (int w = 0; w < spec.windows().length; w++) {
                json.append(w > 0 ? ", " : "").append("[\"").append(time(spec.windows()[w][0])).append(".000000\", \"")
                        .append(time(spec.windows()[w][1])).append(".000000\"]");
            }
            json.append(s + 1 < specs.size() ? "],\n" : "]\n");
        }
        Files.createDirectories(nab.resolve("labels"));
        Files.writeString(nab.resolve("labels/combined_windows.json"), json.append("}\n"));
    }

    private static String time(int row) {
        return LocalDateTime.ofEpochSecond(T0 + 300L * row, 0, ZoneOffset.UTC).format(FORMAT);
    }

    /** Scores in {@code out/<category>/<file>.csv}, the layout {@code nab} writes and {@code nab_score.py} reads. */
    private static void writeResults(Path out, List<NabScore.LabelledFile> files, List<double[]> scores)
            throws IOException {
        for (int f = 0; f < files.size(); f++) {
            StringBuilder csv = new StringBuilder("timestamp,value,anomaly_score\n");
            double[] s = scores.get(f);
            for (int i = 0; i < s.length; i++) {
                csv.append(time(i)).append(',').append(files.get(f).values()[i]).append(',').append(s[i]).append('\n');
            }
            Path file = out.resolve(files.get(f).relative());
            Files.createDirectories(file.getParent());
            Files.writeString(file, csv);
        }
    }

    private static final List<Spec> TWO_FILES = List.of(
            new Spec("catA/one.csv", 2000, new int[][] {{500, 599}, {1500, 1649}}),
            new Spec("catB/two.csv", 1200, new int[][] {{700, 759}}));

    @Test
    void thePerfectDetectorScores100AndTheNullDetector0(@TempDir Path nab) throws IOException {
        write(nab, TWO_FILES);
        List<NabScore.LabelledFile> files = NabScore.load(nab);
        List<double[]> perfect = new ArrayList<>();
        List<double[]> nothing = new ArrayList<>();
        for (NabScore.LabelledFile f : files) {
            double[] s = new double[f.values().length];
            for (int[] w : f.windows()) {
                s[w[0]] = 1; // at a window's first row the scaled sigmoid is at its maximum
            }
            perfect.add(s);
            nothing.add(new double[f.values().length]);
        }
        NabScore.Scores p = NabScore.score(files, perfect, null);
        NabScore.Scores z = NabScore.score(files, nothing, null);
        for (int k = 0; k < NabScore.PROFILES.size(); k++) {
            assertEquals(100, p.normalized()[k], 1e-9, NabScore.PROFILES.get(k).name());
            assertEquals(0, z.normalized()[k], 1e-9, NabScore.PROFILES.get(k).name());
            assertEquals(3, p.detected()[k]);
            assertEquals(0, p.falsePositives()[k]);
        }
    }

    /**
     * One file of 1,000 rows (probation: its first 150), one window over rows 400-499, alarms at rows 450 and 800.
     * By NAB's rules: the true positive is worth sigmoid(-(499 - 450 + 1) / 100) / sigmoid(-1) = 0.848284 / 0.986614 =
     * 0.859793 of a window, with {@code sigmoid(y) = 2 / (1 + e^(5y)) - 1}; the false alarm lies 301 rows after the
     * window's end, (800 - 499) / 99 > 3 widths, so it costs the whole false-positive weight. Standard: raw 0.859793 -
     * 0.11 = 0.749793 between the null detector's -1 and the perfect 1, 87.4897; low FP: 0.639793, 81.9897; low FN
     * (a missed window costs 2): 100 (0.749793 + 2) / 3 = 91.6598. The same figures as {@code nab_score.py} prints
     * for these files.
     */
    @Test
    void aCaseWorkedByHand(@TempDir Path nab) throws IOException {
        write(nab, List.of(new Spec("cat/file.csv", 1000, new int[][] {{400, 499}})));
        List<NabScore.LabelledFile> files = NabScore.load(nab);
        assertEquals(150, files.get(0).firstScored());
        double[] s = new double[1000];
        s[450] = 1;
        s[800] = 1;
        s[100] = 1; // inside the probation: not scored
        NabScore.Scores r = NabScore.score(files, List.of(s), null);
        assertEquals(87.4897, r.normalized()[0], 1e-4);
        assertEquals(81.9897, r.normalized()[1], 1e-4);
        assertEquals(91.6598, r.normalized()[2], 1e-4);
        assertEquals(1, r.detected()[0]);
        assertEquals(1, r.falsePositives()[0]);
    }

    /**
     * Graded scores (so that the threshold each profile optimises matters) on three files, scored by the port and by
     * {@code nab_score.py}: the same normalised figures and counts.
     */
    @Test
    void agreesWithTheReferenceScorer(@TempDir Path dir) throws Exception {
        Path tool = SkabTest.DATA.toAbsolutePath().normalize().getParent().resolve("tools/nab_score.py");
        assumeTrue(Files.isRegularFile(tool), "the reference scorer is absent: looked for " + tool);
        assumeTrue(python3(), "python3 is not on the PATH: the reference scorer cannot run");
        List<Spec> specs = new ArrayList<>(TWO_FILES);
        specs.add(new Spec("catB/three.csv", 3000, new int[][] {{900, 1049}, {2600, 2749}}));
        write(dir.resolve("nab"), specs);
        List<NabScore.LabelledFile> files = NabScore.load(dir.resolve("nab"));
        SplittableRandom random = new SplittableRandom(7);
        List<double[]> scores = new ArrayList<>();
        for (NabScore.LabelledFile f : files) {
            double[] s = new double[f.values().length];
            for (int i = 0; i < s.length; i++) {
                // mostly low, a few high: some inside windows (early and late), some outside
                double x = random.nextDouble();
                s[i] = x < 0.995 ? 0.5 * x : 0.5 + 0.5 * random.nextDouble();
                if (f.windowId()[i] >= 0 && random.nextDouble() < 0.02) {
                    s[i] = 0.6 + 0.4 * random.nextDouble();
                }
                s[i] = Math.round(s[i] * 1e6) / 1e6; // what the CSV holds exactly
            }
            scores.add(s);
        }
        writeResults(dir.resolve("out"), files, scores);
        NabScore.Scores java = NabScore.score(files, scores, null);
        Process p = new ProcessBuilder("python3", tool.toString(), "--data", dir.resolve("nab/data").toString(),
                "--labels", dir.resolve("nab/labels/combined_windows.json").toString(), "--results",
                dir.resolve("out").toString(), "--detector", "clipstream", "--json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nab_score.py timed out");
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("\"score\": (-?[0-9.eE+-]+)").matcher(out);
        for (int k = 0; k < NabScore.PROFILES.size(); k++) {
            assertTrue(m.find(), out);
            assertEquals(Double.parseDouble(m.group(1)), java.normalized()[k], 1e-9,
                    NabScore.PROFILES.get(k).name() + "\n" + out);
        }
        Matcher tp = Pattern.compile("\"counts\": \\{\\s*\"tp\": (\\d+),\\s*\"fn\": (\\d+),\\s*\"fp\": (\\d+)")
                .matcher(out);
        for (int k = 0; k < NabScore.PROFILES.size(); k++) {
            assertTrue(tp.find(), out);
            assertEquals(Integer.parseInt(tp.group(1)), java.detected()[k], NabScore.PROFILES.get(k).name());
            assertEquals(Integer.parseInt(tp.group(3)), java.falsePositives()[k], NabScore.PROFILES.get(k).name());
        }
        assertTrue(java.detected()[0] > 0 && java.detected()[0] < 5 && java.falsePositives()[0] > 0,
                "a case where the threshold matters: " + java);
    }

    private static boolean python3() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
