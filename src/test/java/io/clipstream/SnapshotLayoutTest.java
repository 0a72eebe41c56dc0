package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The snapshot format's table (the javadoc of {@link SnapshotFormat}) and its code cannot disagree: the code's
 * offsets all come from {@link SnapshotFormat#HEADER_LAYOUT} by name, and this test prints that layout as the
 * table's rows (offset, size, field) and compares them with the rows of the javadoc, read from the source.
 */
class SnapshotLayoutTest {

    private static final Pattern ROW = Pattern.compile("^ \\*\\s+(\\d+)\\s+(\\d+)\\s+(.+?)(?:\\s{2,}.*)?$");

    /** The layout as table rows: "offset size field". */
    static List<String> layoutRows() {
        List<String> rows = new ArrayList<>();
        long at = 0;
        for (MemoryLayout m : SnapshotFormat.HEADER_LAYOUT.memberLayouts()) {
            rows.add(at + " " + m.byteSize() + " " + m.name().orElse("padding"));
            at += m.byteSize();
        }
        return rows;
    }

    /** The javadoc table's rows of the fixed header (those with a numeric offset below the header's size). */
    static List<String> javadocRows() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        String source = null;
        for (Path d = dir; d != null && source == null; d = d.getParent()) {
            Path f = d.resolve("src/main/java/io/clipstream/SnapshotFormat.java");
            if (Files.exists(f)) {
                source = Files.readString(f);
            }
        }
        assertTrue(source != null, "SnapshotFormat.java not found above " + dir);
        String table = source.substring(source.indexOf(" * <pre>"), source.indexOf(" * </pre>"));
        List<String> rows = new ArrayList<>();
        for (String line : table.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches() && Long.parseLong(m.group(1)) < SnapshotFormat.HEADER) {
                rows.add(m.group(1) + " " + m.group(2) + " " + m.group(3).strip());
            }
        }
        return rows;
    }

    @Test
    void theJavadocTableIsTheLayout() throws IOException {
        List<String> layout = layoutRows();
        System.out.println("snapshot header layout (offset size field):\n  " + String.join("\n  ", layout));
        assertEquals(layout, javadocRows());
        assertEquals(152, SnapshotFormat.HEADER);
    }

    @Test
    void everyFieldIsLittleEndianAndUnaligned() {
        for (MemoryLayout m : SnapshotFormat.HEADER_LAYOUT.memberLayouts()) {
            if (m instanceof ValueLayout v) {
                assertEquals(ByteOrder.LITTLE_ENDIAN, v.order(), v.toString());
                assertEquals(1, v.byteAlignment(), v + " (snapshots may start at any byte of a caller's buffer)");
            }
        }
    }

    @Test
    void fieldNamesInMessagesComeFromTheLayout() {
        assertEquals("samples seen", SnapshotFormat.field(SnapshotBytes.SAMPLES + 3));
        assertEquals("padding", SnapshotFormat.field(27));
        assertEquals("padding", SnapshotFormat.field(150));
        assertEquals("rolling window value 2", SnapshotFormat.field(SnapshotFormat.HEADER + 9));
    }
}
