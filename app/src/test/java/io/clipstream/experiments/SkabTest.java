package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SKAB reader, writer and detector ({@link Skab}) on hand-made and synthetic inputs, and the shipped
 * configuration on the shared SKAB subset (skipped, with a message, when {@code ../shared/data/skab} is absent).
 */
class SkabTest {

    /** {@code ../shared/data}, or the directory named by {@code -Dclipstream.data}. */
    static final Path DATA = Path.of(System.getProperty("clipstream.data", "../shared/data"));

    static final Path DIR = DATA.resolve("skab");

    static final String HEADER = "datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;"
            + "Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint";

    // ------------------------------------------------------------------ reading and writing

    @Test
    void readsSensorsTimestampsAndOptionalLabels(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("0.csv");
        Files.writeString(f, "\uFEFF" + HEADER + "\n2020-03-09 10:14:33;0.02;0.04;1.33;0.05;79.3;26.0;233.0;32.0;0.0;0.0\n"
                + "\n2020-03-09 10:14:34;0.03;0.05;1.35;0.38;79.5;26.1;236.0;32.0;1.0;1.0\n");
        Skab.Series s = Skab.read(f, Path.of("valve1/0.csv"));
        assertEquals(8, s.sensors().size());
        assertEquals("Volume Flow RateRMS", s.sensors().get(7));
        assertEquals(List.of("2020-03-09 10:14:33", "2020-03-09 10:14:34"), s.timestamps());
        assertArrayEquals(new double[] {0.03, 0.05, 1.35, 0.38, 79.5, 26.1, 236.0, 32.0}, s.rows()[1]);
        assertArrayEquals(new int[] {0, 1}, s.anomaly());
        assertArrayEquals(new int[] {0, 1}, s.changePoint());

        Path free = dir.resolve("free.csv");
        Files.writeString(free, "datetime,a,b\n2020-02-08 13:30:47,1,2\n2020-02-08 13:30:48,3,4.5\n");
        Skab.Series u = Skab.read(free, Path.of("free.csv"));
        assertEquals(List.of("a", "b"), u.sensors());
        assertNull(u.anomaly());
        assertNull(u.changePoint());
        assertArrayEquals(new double[] {3, 4.5}, u.rows()[1]);
    }

    /** Spreadsheets and pandas quote cells; before, a quoted datetime stopped the run as "not a datetime". */
    @Test
    void readsQuotedCells(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("q.csv");
        Files.writeString(f, "\"datetime\";\"a\";\"anomaly\"\n\"2020-03-09 10:14:33\";\"0.5\";\"1.0\"\n"
                + "2020-03-09 10:14:34; 2 ;0\n");
        Skab.Series s = Skab.read(f, Path.of("q.csv"));
        assertEquals(List.of("a"), s.sensors());
        assertEquals(List.of("2020-03-09 10:14:33", "2020-03-09 10:14:34"), s.timestamps());
        assertArrayEquals(new double[] {0.5}, s.rows()[0]);
        assertArrayEquals(new int[] {1, 0}, s.anomaly());
    }

    @Test
    void malformedFilesNameTheFileAndLine(@TempDir Path dir) throws IOException {
        String ok = "2020-03-09 10:14:33;1;2;0;0";
        assertError(dir, "datetime;a;b;anomaly;changepoint\n" + ok + "\n2020-03-09 10:14:34;1;2;0\n",
                "f.csv: line 3: expected 5 columns but found 4");
        assertError(dir, "datetime;a;b;anomaly;changepoint\n" + ok + "\n2020-03-09 10:14:34;1;x2;0;0\n",
                "f.csv: line 3: column 'b': not a number: 'x2'");
        assertError(dir, "datetime;a;b;anomaly;changepoint\n" + ok + "\n2020-03-09 10:14:34;NaN;2;0;0\n",
                "f.csv: line 3: column 'a': value is NaN (values must be finite)");
        assertError(dir, "datetime;a;b;anomaly;changepoint\n" + ok + "\n2020-03-09 10:14:34;1;2;2;0\n",
                "f.csv: line 3: column 'anomaly' must be 0 or 1: '2'");
        assertError(dir, "datetime;a;b;anomaly;changepoint\n09/03/2020;1;2;0;0\n",
                "f.csv: line 2: not a datetime (yyyy-MM-dd HH:mm:ss): '09/03/2020'");
        assertError(dir, "time;a;b\n" + ok + "\n", "f.csv: line 1: missing column 'datetime'");
        assertError(dir, "datetime;anomaly;changepoint\n2020-03-09 10:14:33;0;0\n",
                "f.csv: line 1: no sensor columns (only datetime;anomaly;changepoint)");
        assertError(dir, "datetime;a;a\n2020-03-09 10:14:33;1;2\n", "f.csv: line 1: column 'a' appears twice");
        assertError(dir, "datetime;a;\n2020-03-09 10:14:33;1;2\n", "f.csv: line 1: column 3 has no name");
        assertError(dir, "datetime;a\n\n", "f.csv: no data rows");
        assertError(dir, "\n\n", "f.csv: empty file");
    }

    private static void assertError(Path dir, String content, String messageStart) throws IOException {
        Path f = dir.resolve("f.csv");
        Files.writeString(f, content);
        IOException e = assertThrows(IOException.class, () -> Skab.read(f, Path.of("f.csv")));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }

    @Test
    void findsCsvFilesRecursivelyAndExplainsMissingOnes(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("valve1/deeper"));
        Files.writeString(dir.resolve("valve1/0.csv"), "");
        Files.writeString(dir.resolve("valve1/deeper/1.csv"), "");
        Files.writeString(dir.resolve("README.md"), "");
        assertEquals(List.of(Path.of("valve1/0.csv"), Path.of("valve1/deeper/1.csv")), Skab.find(dir));
        assertThrows(NoSuchFileException.class, () -> Skab.find(dir.resolve("absent")));
        assertThrows(NotDirectoryException.class, () -> Skab.find(dir.resolve("README.md")));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> Skab.find(empty));
        assertTrue(e.getMessage().contains("no CSV files"), e.getMessage());
    }

    /** A synthetic SKAB-like file: the columns of {@link #HEADER}, a level shift in one sensor in rows [from, to). */
    static String synthetic(long seed, int rows, int from, int to, double shift) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        double temperature = 70;
        for (int i = 0; i < rows; i++) {
            temperature += 0.05 * r.nextGaussian() - 0.002;
            boolean anomalous = i >= from && i < to;
            double flow = 32 + 0.4 * r.nextGaussian() + (anomalous ? shift : 0);
            b.append(String.format(java.util.Locale.ROOT, "2020-03-09 %02d:%02d:%02d;%.5f;%.5f;%.4f;%.4f;%.4f;%.4f;%.3f;%.3f;%d;0%n",
                    10 + i / 3600, (i / 60) % 60, i % 60, 0.027 + 0.0004 * r.nextGaussian(),
                    0.040 + 0.0009 * r.nextGaussian(), 1 + 0.27 * r.nextGaussian(), 0.06 + 0.25 * r.nextGaussian(),
                    temperature, 25 + 0.3 * (temperature - 70) + 0.01 * r.nextGaussian(), 231 + 10 * r.nextGaussian(),
                    flow, anomalous ? 1 : 0));
        }
        return b.toString();
    }

    @Test
    void runMirrorsTheLayoutWithOneFlagPerRow(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data/valve9"));
        Files.writeString(data.resolve("0.csv"), synthetic(1, 900, 600, 800, -2));
        Files.writeString(dir.resolve("data/free.csv"), synthetic(2, 500, 0, 0, 0));
        Skab.Result r = Skab.run(dir.resolve("data"), dir.resolve("out"), Skab.Settings.defaults(), n -> { });
        assertEquals(2, r.files());
        assertEquals(1400, r.rows());
        List<String> lines = Files.readAllLines(dir.resolve("out/valve9/0.csv"), StandardCharsets.UTF_8);
        assertEquals(901, lines.size());
        assertEquals("datetime;anomaly;changepoint;score", lines.get(0));
        assertTrue(lines.get(1).startsWith("2020-03-09 10:00:00;0;0;"), lines.get(1));
        assertTrue(lines.get(700).matches("2020-03-09 10:11:39;1;[01];[0-9.e+]+"), lines.get(700));
        assertEquals(501, Files.readAllLines(dir.resolve("out/free.csv")).size());
        // the flags written are the ones SkabScore reads back
        SkabScore.Report report = SkabScore.score(dir.resolve("data"), dir.resolve("out"), SkabScore.SKIP);
        assertTrue(report.total().f1() > 0.9, report.total().toString());
        assertEquals(List.of(), r.warnings());
    }

    /** A file no longer than the warm-up is calibration only: written (all 0) and named, not silently unflagged. */
    @Test
    void aFileNoLongerThanTheWarmupIsNamed(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("short.csv"), synthetic(3, 400, 100, 200, -20));
        Files.writeString(data.resolve("long.csv"), synthetic(3, 401, 0, 0, 0));
        Skab.Result r = Skab.run(data, dir.resolve("out"), Skab.Settings.defaults(), n -> { });
        assertEquals(List.of("short.csv: 400 rows, no more than the warm-up of 400: calibration only, no row of it "
                + "can be flagged (its output is all 0)"), r.warnings());
        List<String> lines = Files.readAllLines(dir.resolve("out/short.csv"));
        assertEquals(401, lines.size());
        assertTrue(lines.stream().skip(1).allMatch(l -> l.split(";")[1].equals("0")), "nothing flagged");
    }

    @Test
    void aMalformedFileStopsTheRunBeforeAnyOutput(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("a.csv"), synthetic(1, 450, 0, 0, 0));
        Files.writeString(data.resolve("b.csv"), HEADER + "\n2020-03-09 10:14:33;1;2;3;4;5;6;7;oops;0;0\n");
        IOException e = assertThrows(IOException.class,
                () -> Skab.run(data, dir.resolve("out"), Skab.Settings.defaults(), n -> { }));
        assertEquals("b.csv: line 2: column 'Volume Flow RateRMS': not a number: 'oops'", e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    // ------------------------------------------------------------------ the detector

    static double[][] rows(String csv) throws IOException {
        Path tmp = Files.createTempFile("skab", ".csv");
        try {
            Files.writeString(tmp, csv);
            return Skab.read(tmp, Path.of("synthetic.csv")).rows();
        } finally {
            Files.delete(tmp);
        }
    }

    /**
     * A flow drop of 2 warm-up standard deviations (a fraction of SKAB's typical one) for 200 rows, beside a
     * temperature-like random walk drifting out of its warm-up range: measured with the defaults, rows 607 to 801 are
     * flagged (the drop is rows 600 to 799) and nothing else; asserted with margins.
     */
    @Test
    void flagsALevelShiftBesideADriftingTemperature() throws IOException {
        double[][] x = rows(synthetic(7, 1200, 600, 800, -0.8));
        Skab.Output o = Skab.detect(x, Skab.Settings.defaults());
        int inside = 0;
        int outside = 0;
        for (int i = 0; i < x.length; i++) {
            if (i < 400) {
                assertEquals(0, o.anomaly()[i], "warm-up rows are never flagged");
                assertEquals(0, o.score()[i]);
            } else if (i >= 640 && i < 800) {
                inside += o.anomaly()[i];
            } else if (i < 600 || i >= 850) {
                outside += o.anomaly()[i];
            }
        }
        assertTrue(inside >= 150, "flagged " + inside + " of the 160 rows from 40 rows into the shift");
        assertTrue(outside <= 20, "flagged " + outside + " of the 550 normal rows away from the shift");
        int starts = 0;
        for (int i = 1; i < x.length; i++) {
            if (o.anomaly()[i] == 1 && o.anomaly()[i - 1] == 0) {
                starts++;
                assertEquals(1, o.changePoint()[i], "a change point where a run starts");
            }
            if (o.anomaly()[i] == 0 && o.anomaly()[i - 1] == 1) {
                assertEquals(1, o.changePoint()[i], "and where it ends");
            }
        }
        assertTrue(starts >= 1 && starts <= 3, "runs: " + starts);
    }

    @Test
    void decisionsAreCausal() throws IOException {
        double[][] x = rows(synthetic(3, 1000, 550, 750, -3));
        Skab.Output full = Skab.detect(x, Skab.Settings.defaults());
        double[][] altered = new double[x.length][];
        SplittableRandom r = new SplittableRandom(11);
        int cut = 640;
        for (int i = 0; i < x.length; i++) {
            altered[i] = x[i].clone();
            if (i > cut) {
                for (int j = 0; j < altered[i].length; j++) {
                    altered[i][j] += 50 * r.nextGaussian();
                }
            }
        }
        Skab.Output other = Skab.detect(altered, Skab.Settings.defaults());
        for (int i = 0; i <= cut; i++) {
            assertEquals(full.anomaly()[i], other.anomaly()[i], "row " + i);
            assertEquals(full.changePoint()[i], other.changePoint()[i], "row " + i);
            assertEquals(full.score()[i], other.score()[i], "row " + i);
        }
        boolean differs = false;
        for (int i = cut + 1; i < x.length; i++) {
            differs |= full.score()[i] != other.score()[i];
        }
        assertTrue(differs, "the alteration changes later rows");
    }

    @Test
    void rejectsBadRowsWithoutChangingState() throws IOException {
        double[][] x = rows(synthetic(5, 700, 500, 600, -3));
        Skab.Detector clean = new Skab.Detector(Skab.Settings.defaults(), 8);
        Skab.Detector poked = new Skab.Detector(Skab.Settings.defaults(), 8);
        for (int i = 0; i < x.length; i++) {
            if (i == 10 || i == 450 || i == 550) {
                double[] bad = x[i].clone();
                bad[3] = Double.NaN;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> poked.next(bad));
                assertEquals("value 3 is NaN (values must be finite)", e.getMessage());
                IllegalArgumentException shortRow = assertThrows(IllegalArgumentException.class,
                        () -> poked.next(new double[7]));
                assertEquals("row has 7 values, expected 8", shortRow.getMessage());
                bad[3] = Double.POSITIVE_INFINITY;
                assertThrows(IllegalArgumentException.class, () -> poked.next(bad));
            }
            assertEquals(clean.next(x[i]), poked.next(x[i]), "row " + i);
            assertEquals(clean.anomaly(), poked.anomaly());
            assertEquals(clean.seen(), poked.seen());
        }
    }

    @Test
    void aConstantSensorDoesNotBreakTheDetector() {
        int n = 900;
        double[][] x = new double[n][];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {5, r.nextGaussian(), i >= 600 && i < 700 ? 4 + r.nextGaussian() : r.nextGaussian()};
        }
        Skab.Output o = Skab.detect(x, Skab.Settings.defaults());
        int inside = 0;
        int outside = 0;
        for (int i = 400; i < n; i++) {
            assertTrue(Double.isFinite(o.score()[i]), "row " + i);
            if (i >= 610 && i < 700) {
                inside += o.anomaly()[i];
            } else if (i < 600 || i >= 720) {
                outside += o.anomaly()[i];
            }
        }
        assertTrue(inside >= 85, "inside " + inside);
        assertTrue(outside <= 10, "outside " + outside);
    }

    /** Review: a sensor constant over the warm-up that steps once is a new level: the run ends after ~1,000 rows. */
    @Test
    void aLastingStepOfAConstantSensorEndsAfterTheLongestAnomaly() {
        int n = 5000;
        double[][] x = new double[n][];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {r.nextGaussian(), r.nextGaussian(), i < 600 ? 5 : 6};
        }
        Skab.Output o = Skab.detect(x, Skab.Settings.defaults());
        int late = 0;
        for (int i = 600 + Skab.LONGEST_ANOMALY + 100; i < n; i++) {
            late += o.anomaly()[i];
        }
        assertTrue(late < 100, "flagged " + late + " rows long after the step (was every one of them)");
    }

    /** Review: the same rows in other units (micro, nano, femto) give the same flags (the scale floor was an absolute 1e-9). */
    @Test
    void flagsDoNotDependOnTheUnits() throws IOException {
        double[][] x = rows(synthetic(7, 1200, 600, 800, -0.8));
        Skab.Output o = Skab.detect(x, Skab.Settings.defaults());
        for (double unit : new double[] {1e-6, 1e-9, 1e-12, 1e-15}) {
            double[][] y = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                y[i] = x[i].clone();
                for (int j = 0; j < y[i].length; j++) {
                    y[i][j] *= unit;
                }
            }
            assertArrayEquals(o.anomaly(), Skab.detect(y, Skab.Settings.defaults()).anomaly(), "unit " + unit);
        }
    }

    @Test
    void settingsAreValidated() {
        Skab.Settings d = Skab.Settings.defaults();
        assertMessage("warm-up must be in [16, 1000000] rows: 8",
                () -> new Skab.Settings(8, 4, 32, 0.1, 100, 0.5, true, 0));
        assertMessage("short half-life must be in [1, 100000] rows: 0.5",
                () -> new Skab.Settings(400, 0.5, 32, 0.1, 100, 0.5, true, 0));
        assertMessage("long half-life must be in [short half-life 4.0, 100000] rows: 2.0",
                () -> new Skab.Settings(400, 4, 2, 0.1, 100, 0.5, true, 0));
        assertMessage("risk must be in (0, 0.5): 0.7", () -> new Skab.Settings(400, 4, 32, 0.7, 100, 0.5, true, 0));
        assertMessage("risk must be in (0, 0.5): NaN",
                () -> new Skab.Settings(400, 4, 32, Double.NaN, 100, 0.5, true, 0));
        assertMessage("drift half-life must be 0 (none) or in [1, 1e9] rows: 0.5",
                () -> new Skab.Settings(400, 4, 32, 0.1, 0.5, 0.5, true, 0));
        assertMessage("dead band must be in [0, 100] standard deviations: -1.0",
                () -> new Skab.Settings(400, 4, 32, 0.1, 100, -1, true, 0));
        assertMessage("exit fraction must be in [0, 1]: 2.0",
                () -> new Skab.Settings(400, 4, 32, 0.1, 100, 0.5, true, 2));
        assertMessage("a dead band of 0 needs an exit fraction > 0 (a run could never end): exit fraction 0",
                () -> new Skab.Settings(400, 4, 32, 0.1, 100, 0, true, 0));
        assertMessage("sensors must be >= 1: 0", () -> new Skab.Detector(d, 0));
        assertEquals(new Skab.Settings(400, 4, 32, 1e-3, 100, 0, false, 1), Skab.Settings.prior(),
                "the prior is the configuration committed before any score (f7fb14d)");
    }

    private static void assertMessage(String message, org.junit.jupiter.api.function.Executable e) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void chiSquareQuantiles() {
        // tabulated values
        assertEquals(13.362, Skab.chiSquareQuantile(0.9, 8), 1e-3);
        assertEquals(26.124, Skab.chiSquareQuantile(0.999, 8), 1e-3);
        assertEquals(3.841, Skab.chiSquareQuantile(0.95, 1), 1e-3);
        assertEquals(124.342, Skab.chiSquareQuantile(0.95, 100), 1e-3);
        assertEquals(0.5, Skab.chiSquareCdf(Skab.chiSquareQuantile(0.5, 3), 3), 1e-9);
    }

    // ------------------------------------------------------------------ the shared SKAB subset

    /**
     * The shipped configuration on the 20 labelled files and anomaly-free.csv. Measured (SIMD and scalar kernels
     * alike): F1 0.882, FAR 5.42%, MAR 17.40% (valve1 0.874, valve2 0.918), anomaly-free 76.2% of its rows flagged;
     * the prior's configuration on the same code: F1 0.733, FAR 77.1%. Leaderboard: Conv-AE 0.78 (0.757 on
     * valve1+valve2), FAR 13.55%.
     */
    @Nested
    class OnTheSharedData {
        static List<SkabSelection.File> files;
        static SkabScore.Counts[] counts;

        @BeforeAll
        static void load() throws IOException {
            if (Files.isDirectory(DIR.resolve("valve1")) && Files.isDirectory(DIR.resolve("valve2"))) {
                files = SkabSelection.load(DIR);
                counts = SkabSelection.run(files, Skab.Settings.defaults());
            } else {
                System.err.println("SkabTest: SKAB data not found in " + DIR.toAbsolutePath() + ", skipping");
            }
        }

        @BeforeEach
        void requireData() {
            assumeTrue(files != null, "SKAB data not found in " + DIR.toAbsolutePath());
        }

        @Test
        void theSharedSubset() {
            assertEquals(21, files.size());
            assertEquals(20, files.stream().filter(SkabSelection.File::labelled).count());
        }

        @Test
        void theDefaultsBeatTheLeaderboardWithMargins() {
            SkabScore.Counts all = SkabSelection.sum(counts, f -> files.get(f).labelled());
            assertTrue(all.f1() >= 0.85, "F1 " + all);
            assertTrue(all.far() <= 10, "FAR " + all);
            assertTrue(all.mar() <= 25, "MAR " + all);
            for (String group : List.of("valve1", "valve2")) {
                SkabScore.Counts g = SkabSelection.sum(counts, f -> files.get(f).group().equals(group));
                assertTrue(g.f1() >= 0.82 && g.far() <= 15, group + " " + g);
            }
            SkabScore.Counts prior = SkabSelection.sum(SkabSelection.run(files, Skab.Settings.prior()),
                    f -> files.get(f).labelled());
            assertTrue(all.f1() >= prior.f1() + 0.1 && all.far() <= prior.far() / 5, all + " vs prior " + prior);
        }

        /** The command's output files, scored by SkabScore and by skab_score.py when python3 is there. */
        @Test
        void theOutputFilesScoreTheSameEverywhere(@TempDir Path out) throws Exception {
            Skab.run(DIR, out, Skab.Settings.defaults(), n -> { });
            SkabScore.Report r = SkabScore.score(DIR, out, SkabScore.SKIP);
            assertEquals(SkabSelection.sum(counts, f -> files.get(f).labelled()), r.total());
            assertEquals(SkabSelection.sum(counts, f -> !files.get(f).labelled()), r.unlabelled());
            Path tool = scorer();
            assumeTrue(tool != null, "skab_score.py or python3 not available: " + scorerHint());
            Map<String, Double> py = python(tool, DIR, out, SkabScore.SKIP);
            assertEquals(20, py.get("files"));
            assertEquals(py.get("f1"), r.total().f1(), 5.1e-4);
            assertEquals(py.get("far"), r.total().far(), 5.1e-3);
            assertEquals(py.get("mar"), r.total().mar(), 5.1e-3);
        }
    }

    // ------------------------------------------------------------------ the reference scorer

    static Path tool() {
        return DATA.toAbsolutePath().normalize().getParent().resolve("tools/skab_score.py");
    }

    static String scorerHint() {
        return "looked for python3 on the PATH and " + tool();
    }

    /** {@code skab_score.py} if it and python3 are there, else null. */
    static Path scorer() {
        Path tool = tool();
        if (!Files.isRegularFile(tool)) {
            return null;
        }
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? tool : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** Runs {@code skab_score.py --json} and returns its top-level numbers ({@code files, f1, far, mar}). */
    static Map<String, Double> python(Path tool, Path data, Path results, int skip) throws Exception {
        Process p = new ProcessBuilder("python3", tool.toString(), "--data", data.toString(), "--results",
                results.toString(), "--skip", Integer.toString(skip), "--json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "skab_score.py timed out");
        assertEquals(0, p.exitValue(), out);
        Map<String, Double> m = new HashMap<>();
        Matcher matcher = Pattern.compile("\"(files|f1|far|mar)\": ([0-9.]+)").matcher(out);
        while (matcher.find()) {
            m.putIfAbsent(matcher.group(1), Double.parseDouble(matcher.group(2)));
        }
        assertEquals(4, m.size(), out);
        return m;
    }
}
