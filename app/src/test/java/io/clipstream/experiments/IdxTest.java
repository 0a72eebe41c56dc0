package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader on small files written here: raw and gzipped, and every structural error. */
class IdxTest {

    @TempDir
    Path dir;

    static byte[] images(int magic, int count, int rows, int columns, int present) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(columns);
        for (int i = 0; i < present * rows * columns; i++) {
            out.writeByte(i * 37);
        }
        return bytes.toByteArray();
    }

    static byte[] labels(int magic, int count, int... values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        for (int v : values) {
            out.writeByte(v);
        }
        return bytes.toByteArray();
    }

    Path file(String name, byte[] content, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(content);
        }
        return p;
    }

    @Test
    void rawAndGzippedFilesReadTheSame() throws IOException {
        byte[] img = images(0x803, 3, 2, 2, 3);
        byte[] lab = labels(0x801, 3, 7, 0, 9);
        Idx.Dataset raw = Idx.read(file("i", img, false), file("l", lab, false));
        Idx.Dataset gz = Idx.read(file("i.gz", img, true), file("l.gz", lab, true));
        assertEquals(3, raw.size());
        assertArrayEquals(new int[] {7, 0, 9}, raw.labels());
        assertArrayEquals(raw.labels(), gz.labels());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(raw.pixels()[i], gz.pixels()[i]);
        }
        assertEquals(37 / 255f, raw.pixels()[0][1]);
        assertEquals((5 * 37 & 0xff) / 255f, raw.pixels()[1][1]);
    }

    @Test
    void structuralErrorsNameTheFile() throws IOException {
        Path goodLabels = file("l", labels(0x801, 2, 1, 2), false);
        Path wrongMagic = file("wrong", images(0x801, 2, 2, 2, 2), false);
        assertTrue(message(wrongMagic, goodLabels).contains("wrong: not an IDX image file (magic 0x801"));
        Path truncated = file("short", images(0x803, 2, 2, 2, 1), false);
        assertTrue(message(truncated, goodLabels).contains("short: truncated after 1 of 2 images"));
        Path images = file("i", images(0x803, 2, 2, 2, 2), false);
        assertTrue(message(images, file("three", labels(0x801, 3, 1, 2, 3), false))
                .contains("three: 3 labels for 2 images"));
        assertTrue(message(images, file("big", labels(0x801, 2, 1, 12), false))
                .contains("big: label 12 at 1 is not a digit"));
        assertTrue(message(images, file("empty", new byte[0], false)).contains("empty: empty file"));
        assertTrue(message(file("huge", images(0x803, 2, 5000, 5000, 0), false), goodLabels)
                .contains("huge: implausible header"));
    }

    static String message(Path images, Path labels) {
        return assertThrows(IOException.class, () -> Idx.read(images, labels)).getMessage();
    }

    @Test
    void rotationByZeroIsTheIdentityAndByAQuarterTurnMovesPixels() {
        float[] image = new float[5 * 5];
        image[0 * 5 + 2] = 1; // top centre
        float[] out = new float[25];
        Idx.rotate(image, 5, 5, 0, out);
        assertArrayEquals(image, out);
        Idx.rotate(image, 5, 5, 90, out);
        float total = 0;
        for (float v : out) {
            total += v;
        }
        assertEquals(1, total, 1e-5);
        assertEquals(0, out[2], 1e-6, "the pixel has left the top centre");
        assertTrue(out[2 * 5 + 0] > 0.99 || out[2 * 5 + 4] > 0.99, "and reached the middle of a side");
    }
}
