package io.clipstream.experiments;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reading the benchmark files: strict UTF-8 whose errors name file, line and byte, and strict numbers. */
public final class TextInput {
    private TextInput() {
    }

    /**
     * The lines of a UTF-8 file, as {@link Files#readAllLines} splits them ({@code \n}, {@code \r\n} or a lone
     * {@code \r}).
     *
     * @param name the file's name in messages
     * @throws IOException if it cannot be read, or with "name: line N: byte 0xXX is not valid UTF-8" if it is not
     *     UTF-8
     */
    public static List<String> readLines(Path file, Object name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16L, bytes.length + 1L));
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new IOException(String.format(Locale.ROOT, "%s: line %d: byte 0x%02X is not valid UTF-8 (the file "
                    + "must be UTF-8)", name, lineOf(bytes, at), bytes[at] & 0xFF));
        }
        out.flip();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new StringReader(out.toString()))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The 1-based line of byte {@code at}: line breaks before it, {@code \r\n} counting once. */
    private static long lineOf(byte[] bytes, int at) {
        long line = 1;
        for (int i = 0; i < at; i++) {
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
                line++;
            }
        }
        return line;
    }

    /**
     * About how many lines a file holds (line breaks, and a last unterminated line), without decoding it: for
     * progress reports.
     */
    public static long countLines(Path file) throws IOException {
        long n = 0;
        boolean open = false;
        byte[] buffer = new byte[1 << 16];
        try (var in = Files.newInputStream(file)) {
            for (int k = in.read(buffer); k >= 0; k = in.read(buffer)) {
                for (int i = 0; i < k; i++) {
                    if (buffer[i] == '\n') {
                        n++;
                        open = false;
                    } else {
                        open = true;
                    }
                }
            }
        }
        return n + (open ? 1 : 0);
    }

    /**
     * A CSV cell's text: surrounding white space stripped and one pair of surrounding double quotes removed (with
     * {@code ""} inside read as {@code "}), as spreadsheets and pandas write them ({@code "2014-04-01 00:00:00"},
     * {@code "1.5"}). Cells are split at the separator first, so a quoted cell cannot hold the separator.
     */
    public static String cell(String raw) {
        String text = raw.strip();
        if (text.length() >= 2 && text.charAt(0) == '"' && text.charAt(text.length() - 1) == '"') {
            return text.substring(1, text.length() - 1).replace("\"\"", "\"").strip();
        }
        return text;
    }

    /**
     * Whether {@code text} is written as a plain decimal number: an optional sign, digits with an optional decimal
     * point, an optional exponent ({@code 1.5}, {@code -2}, {@code .5}, {@code 3e-7}), or {@code NaN},
     * {@code Infinity} with an optional sign (which callers then refuse as not finite, by name). Java's own
     * syntax beyond that ({@code 1d}, {@code 1f}, {@code 0x1p3}) is not data.
     */
    public static boolean plainNumber(String text) {
        int n = text.length();
        int i = 0;
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        if (text.startsWith("NaN", i) || text.startsWith("Infinity", i)) {
            return text.regionMatches(i, "Infinity", 0, n - i) && n - i == 8 || i == 0 && text.equals("NaN");
        }
        int digits = 0;
        while (i < n && isDigit(text.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && text.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int exponent = 0;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
                exponent++;
            }
            if (exponent == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
