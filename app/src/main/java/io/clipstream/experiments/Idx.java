package io.clipstream.experiments;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of the MNIST database (images: magic 0x00000803, count, rows, columns, then unsigned bytes;
 * labels: magic 0x00000801, count, then one byte each), gzipped or not (detected from the first two bytes).
 * Every structural problem is reported as an {@link IOException} naming the file.
 */
public final class Idx {

    /**
     * Images and labels.
     *
     * @param pixels {@code count x rows x columns} pixels scaled to [0, 1], row-major per image
     * @param labels one label per image
     * @param rows image height
     * @param columns image width
     */
    public record Dataset(float[][] pixels, int[] labels, int rows, int columns) {
        /** Number of images. */
        public int size() {
            return labels.length;
        }
    }

    private Idx() {
    }

    /** Reads an image file and its label file and checks that they match. */
    public static Dataset read(Path images, Path labels) throws IOException {
        return naming(images, () -> readNamed(images, labels));
    }

    /** A read of one file. */
    private interface FileRead<T> {
        T read() throws IOException;
    }

    /** Runs {@code read}, naming {@code file} in a short header's or corrupt gzip's error (the JDK's name neither). */
    private static <T> T naming(Path file, FileRead<T> read) throws IOException {
        try {
            return read.read();
        } catch (EOFException e) {
            throw new IOException(file + ": truncated in its header (the file is too short)");
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": corrupt gzip data: " + e.getMessage());
        }
    }

    /**
     * Most items a file of {@code size} bytes can hold at {@code itemBytes} each: its own bytes, or for gzip the
     * deflate format's largest ratio (1032:1), so that a corrupt header's count is refused before it is allocated.
     */
    private static void checkCount(Path file, int count, long itemBytes, String items) throws IOException {
        long size = Files.size(file);
        long most = (isGzip(file) ? size * 1032 : size) / Math.max(1, itemBytes);
        if (count > most) {
            throw new IOException(file + ": header says " + count + " " + items + " but a file of " + size
                    + " bytes holds at most " + most);
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static Dataset readNamed(Path images, Path labels) throws IOException {
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(images + ": not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int columns = in.readInt();
            if (count < 1 || rows < 1 || columns < 1 || (long) rows * columns > 1 << 20) {
                throw new IOException(images + ": implausible header (count " + count + ", " + rows + "x" + columns + ")");
            }
            checkCount(images, count, (long) rows * columns, "images");
            int[] label = readLabels(labels, count);
            float[][] pixels = new float[count][rows * columns];
            byte[] buffer = new byte[rows * columns];
            for (int i = 0; i < count; i++) {
                try {
                    in.readFully(buffer);
                } catch (EOFException e) {
                    throw new IOException(images + ": truncated after " + i + " of " + count + " images");
                }
                for (int p = 0; p < buffer.length; p++) {
                    pixels[i][p] = (buffer[p] & 0xff) / 255f;
                }
            }
            return new Dataset(pixels, label, rows, columns);
        }
    }

    private static int[] readLabels(Path labels, int expected) throws IOException {
        return naming(labels, () -> readLabelsNamed(labels, expected));
    }

    private static int[] readLabelsNamed(Path labels, int expected) throws IOException {
        try (DataInputStream in = open(labels)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(labels + ": not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int count = in.readInt();
            if (count != expected) {
                throw new IOException(labels + ": " + count + " labels for " + expected + " images");
            }
            checkCount(labels, count, 1, "labels");
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                try {
                    out[i] = in.readUnsignedByte();
                } catch (EOFException e) {
                    throw new IOException(labels + ": truncated after " + i + " of " + count + " labels");
                }
                if (out[i] > 9) {
                    throw new IOException(labels + ": label " + out[i] + " at " + i + " is not a digit");
                }
            }
            return out;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 < 0 || b1 < 0) {
            raw.close();
            throw new IOException(file + ": empty file");
        }
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16)
                : raw;
        return new DataInputStream(in);
    }

    /**
     * Rotates a {@code rows x columns} image by {@code degrees} about its centre with bilinear interpolation
     * (zero outside), into {@code out}.
     */
    public static void rotate(float[] image, int rows, int columns, double degrees, float[] out) {
        double a = Math.toRadians(degrees);
        double cos = Math.cos(a);
        double sin = Math.sin(a);
        double cy = (rows - 1) / 2.0;
        double cx = (columns - 1) / 2.0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                // inverse rotation: where in the source does this output pixel come from?
                double dy = r - cy;
                double dx = c - cx;
                double sy = cos * dy + sin * dx + cy;
                double sx = -sin * dy + cos * dx + cx;
                int y0 = (int) Math.floor(sy);
                int x0 = (int) Math.floor(sx);
                double fy = sy - y0;
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * at(image, rows, columns, y0, x0) + fx * at(image, rows, columns, y0, x0 + 1))
                        + fy * ((1 - fx) * at(image, rows, columns, y0 + 1, x0) + fx * at(image, rows, columns, y0 + 1, x0 + 1));
                out[r * columns + c] = (float) v;
            }
        }
    }

    private static double at(float[] image, int rows, int columns, int y, int x) {
        return y < 0 || x < 0 || y >= rows || x >= columns ? 0 : image[y * columns + x];
    }
}
