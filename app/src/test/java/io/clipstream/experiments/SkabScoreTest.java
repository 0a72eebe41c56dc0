package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SKAB's outlier metric ({@link SkabScore}) on hand-made inputs, and against {@code skab_score.py}. */
class SkabScoreTest {

    @Test
    void countsOnlyTheRowsAfterTheSkip() {
        int[] truth = {1, 1, 0, 0, 1, 1, 1, 0};
        int[] flags = {1, 0, 1, 0, 1, 0, 1, 1};
        SkabScore.Counts c = SkabScore.counts(truth, flags, 2);
        // rows 2..7: truth 0 0 1 1 1 0, flags 1 0 1 0 1 1
        assertEquals(new SkabScore.Counts(2, 2, 1, 1), c);
        assertEquals(2.0 * 2 / (2 * 2 + 2 + 1), c.f1(), 1e-12);
        assertEquals(100.0 * 2 / 3, c.far(), 1e-12);
        assertEquals(100.0 / 3, c.mar(), 1e-12);
        assertEquals(new SkabScore.Counts(3, 2, 2, 1), SkabScore.counts(truth, flags, 0));
    }

    @Test
    void degenerateRates() {
        SkabScore.Counts nothingFlagged = SkabScore.counts(new int[] {0, 1, 1}, new int[3], 0);
        assertEquals(0, nothingFlagged.f1());
        assertEquals(0, nothingFlagged.far());
        assertEquals(100, nothingFlagged.mar());
        SkabScore.Counts allNormal = SkabScore.unlabelledFalseAlarms(new int[] {1, 1, 0, 1}, 1);
        assertEquals(new SkabScore.Counts(0, 2, 0, 1), allNormal);
        assertEquals(0, allNormal.mar(), "no anomalous rows: MAR 0, as the Python tool");
        assertEquals(0, SkabScore.Counts.ZERO.far());
        assertThrows(IllegalArgumentException.class, () -> SkabScore.counts(new int[3], new int[4], 0));
    }

    /** The leaderboard concatenates files: a long file weighs more than a short one (not a mean of per-file F1). */
    @Test
    void filesAreConcatenatedNotAveraged() {
        int[] longTruth = new int[100];
        int[] longFlags = new int[100];
        for (int i = 50; i < 100; i++) {
            longTruth[i] = 1;
            longFlags[i] = 1;
        }
        int[] shortTruth = {1, 1};
        int[] shortFlags = {0, 0};
        SkabScore.Counts pooled = SkabScore.counts(List.of(longTruth, shortTruth), List.of(longFlags, shortFlags), 0);
        assertEquals(new SkabScore.Counts(50, 0, 2, 50), pooled);
        assertEquals(100.0 / 102, pooled.f1(), 1e-12);
    }

    @Test
    void predictionCellsAsThePythonToolReadsThem() {
        for (String yes : List.of("1", "1.0", "0.51", "true", "TRUE", " anomaly ", "Yes")) {
            assertEquals(1, SkabScore.flag(yes), yes);
        }
        for (String no : List.of("0", "0.0", "0.5", "false", "benign", "abstain", "no", "", "normal", "NaN", "oops")) {
            assertEquals(0, SkabScore.flag(no), no);
        }
    }

    // ------------------------------------------------------------------ directories, against skab_score.py

    /**
     * Two labelled files and an unlabelled one; results at the same relative path ({@code a}), by unique base name
     * in another folder, comma-separated, with fewer rows joined on the timestamp and words as flags ({@code b}),
     * and a {@code flag} column ({@code free}). With {@code --skip 4}, {@code skab_score.py} printed
     * {@code {"files": 2, "f1": 0.706, "far": 37.5, "mar": 25.0, "per_file": {"g1/a.csv": {"tp": 4, "fp": 2, "fn": 1,
     * "tn": 3}, "g2/b.csv": {"tp": 2, "fp": 1, "fn": 1, "tn": 2}}}} on these files.
     */
    static Path handMade(Path dir) throws IOException {
        Path data = dir.resolve("data");
        Path results = dir.resolve("results");
        int[] ta = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0};
        int[] tb = {0, 0, 0, 0, 0, 1, 1, 1, 0, 0};
        writeData(data.resolve("g1/a.csv"), ta, true);
        writeData(data.resolve("g2/b.csv"), tb, true);
        writeData(data.resolve("g2/free.csv"), new int[9], false);
        int[] pa = {1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0};
        StringBuilder a = new StringBuilder("datetime;anomaly;changepoint\n");
        for (int i = 0; i < pa.length; i++) {
            a.append(stamp(i)).append(';').append(pa[i]).append(";0\n");
        }
        write(results.resolve("g1/a.csv"), a.toString());
        write(results.resolve("other/b.csv"), "timestamp,predicted\n" + stamp(2) + ",1\n" + stamp(5) + ",true\n"
                + stamp(6) + ",ANOMALY\n" + stamp(8) + ",0.7\n" + stamp(9) + ",abstain\n");
        int[] pf = {0, 0, 0, 0, 1, 0, 1, 1, 0};
        StringBuilder f = new StringBuilder("datetime;flag\n");
        for (int i = 0; i < pf.length; i++) {
            f.append(stamp(i)).append(';').append(pf[i]).append('\n');
        }
        write(results.resolve("other/free.csv"), f.toString());
        return dir;
    }

    static String stamp(int i) {
        return String.format("2020-01-01 00:%02d:%02d", i / 60, i % 60);
    }

    static void writeData(Path file, int[] truth, boolean labelled) throws IOException {
        StringBuilder b = new StringBuilder("datetime;s1;s2" + (labelled ? ";anomaly;changepoint" : "") + "\n");
        for (int i = 0; i < truth.length; i++) {
            b.append(stamp(i)).append(';').append(0.1 * i).append(';').append(1 - 0.05 * i);
            if (labelled) {
                b.append(';').append(truth[i]).append(".0;0.0");
            }
            b.append('\n');
        }
        write(file, b.toString());
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void directoriesScoreAsThePythonToolDid(@TempDir Path dir) throws IOException {
        handMade(dir);
        SkabScore.Report r = SkabScore.score(dir.resolve("data"), dir.resolve("results"), 4);
        assertEquals(Map.of("g1/a.csv", new SkabScore.Counts(4, 2, 1, 3), "g2/b.csv", new SkabScore.Counts(2, 1, 1, 2)),
                r.perFile());
        assertEquals(new SkabScore.Counts(6, 3, 2, 5), r.total());
        // the Python tool's rounded output for the same files
        assertEquals(0.706, Math.round(r.total().f1() * 1000) / 1000.0);
        assertEquals(37.5, r.total().far(), 1e-9);
        assertEquals(25.0, r.total().mar(), 1e-9);
        // the unlabelled file is not part of the metric; its rows from the skip on are all normal
        assertEquals(new SkabScore.Counts(0, 3, 0, 2), r.unlabelled());
    }

    @Test
    void missingOrAmbiguousResultsAreErrors(@TempDir Path dir) throws IOException {
        handMade(dir);
        Files.delete(dir.resolve("results/other/b.csv"));
        IOException missing = assertThrows(IOException.class,
                () -> SkabScore.score(dir.resolve("data"), dir.resolve("results"), 4));
        assertEquals("no unique result file for g2/b.csv (found 0)", missing.getMessage().replace('\\', '/'));
        write(dir.resolve("results/x/b.csv"), "anomaly\n0\n");
        write(dir.resolve("results/y/b.csv"), "anomaly\n0\n");
        IOException twice = assertThrows(IOException.class,
                () -> SkabScore.score(dir.resolve("data"), dir.resolve("results"), 4));
        assertTrue(twice.getMessage().endsWith("(found 2)"), twice.getMessage());
        write(dir.resolve("results/other/b.csv"), "datetime;score\n" + stamp(0) + ";1\n");
        Files.delete(dir.resolve("results/x/b.csv"));
        Files.delete(dir.resolve("results/y/b.csv"));
        IOException column = assertThrows(IOException.class,
                () -> SkabScore.score(dir.resolve("data"), dir.resolve("results"), 4));
        assertTrue(column.getMessage().contains("no prediction column"), column.getMessage());
    }

    /** The same files through the Python tool itself, when python3 and the tool are there. */
    @Test
    void agreesWithTheReferenceToolWhenAvailable(@TempDir Path dir) throws Exception {
        Path tool = SkabTest.scorer();
        assumeTrue(tool != null, "skab_score.py or python3 not available: " + SkabTest.scorerHint());
        handMade(dir);
        SkabScore.Report r = SkabScore.score(dir.resolve("data"), dir.resolve("results"), 4);
        Map<String, Double> py = SkabTest.python(tool, dir.resolve("data"), dir.resolve("results"), 4);
        assertEquals(py.get("files"), r.perFile().size(), 0);
        // the tool prints F1 to 3 decimals and the rates to 2
        assertEquals(py.get("f1"), r.total().f1(), 5.1e-4);
        assertEquals(py.get("far"), r.total().far(), 5.1e-3);
        assertEquals(py.get("mar"), r.total().mar(), 5.1e-3);
    }
}
