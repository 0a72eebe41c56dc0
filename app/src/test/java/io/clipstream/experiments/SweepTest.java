package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A miniature sweep (short runs, one seed) to check the files and their shape; the real sweep is a command. */
class SweepTest {

    @Test
    void writesOneCsvRowPerRunAPlotAndTheSummary(@TempDir Path dir) throws Exception {
        String summary = Sweep.run(new Sweep.Settings(dir, 400, 1, 2), line -> { });
        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals("method,task,dim,corruption,tail,drift,seed,error,excess_heldout_loss,ns_per_sample", csv.get(0));
        // 2 tasks x 4 tails x 5 corruptions x 3 drifts x 4 methods x 1 seed
        assertEquals(1 + 2 * 4 * 5 * 3 * 4, csv.size());
        assertTrue(csv.stream().skip(1).allMatch(l -> l.split(",", -1).length == 10), "every row has 10 fields");
        assertTrue(csv.contains(csv.stream().filter(l -> l.startsWith("clipped,mean,100,0.20,pareto(2.5),0e+00,1,"))
                .findFirst().orElseThrow()));
        String svg = Files.readString(dir.resolve("sweep.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains("clipped") && svg.contains("huber"), "plot with a legend");
        assertTrue(summary.contains("| 40% |"), summary);
        assertEquals(summary, Files.readString(dir.resolve("sweep.md")));
    }

    /**
     * The three files are written together or not at all: with sweep.svg's place taken by a directory the run
     * failed after writing sweep.csv, leaving a new table beside an old plot and summary.
     */
    @Test
    void aFailedWriteLeavesTheEarlierFilesAsTheyWere(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("sweep.csv"), "earlier");
        Files.createDirectory(dir.resolve("sweep.svg"));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> Sweep.run(new Sweep.Settings(dir, 400, 1, 2), line -> { }));
        assertTrue(e.getMessage().contains("sweep.svg"), e.getMessage());
        assertEquals("earlier", Files.readString(dir.resolve("sweep.csv")));
        assertTrue(Files.notExists(dir.resolve("sweep.md")));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left");
        }
    }
}
