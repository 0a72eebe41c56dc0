package io.clipstream.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * UTF-8 text from a byte stream that remembers where it was not UTF-8. A byte sequence that is not valid UTF-8 is
 * replaced by U+FFFD and its line is recorded, so that the CSV record it falls in can be reported by line (and
 * skipped with {@code --skip-bad}) instead of failing somewhere in a read-ahead buffer with no line at all. A UTF-8
 * byte-order mark at the start is dropped. Lines are counted as the CSV reader counts them: {@code \n},
 * {@code \r\n} and a lone {@code \r} each end one.
 */
final class Utf8Input extends Reader {

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    private final CharBuffer chars = CharBuffer.allocate(8192).flip();
    private boolean endOfInput;
    private boolean flushed;
    private boolean start = true;
    /** Line of the next character the decoder produces; a {@code \r} just before it is pending. */
    private long decodeLine = 1;
    private boolean pendingCarriageReturn;
    /** Lines (ascending) that held invalid bytes and not yet been asked about, with the first bad byte of each. */
    private final ArrayDeque<long[]> invalid = new ArrayDeque<>();

    /** The CSV delimiter, for following quoted fields; 0: no quote tracking. */
    private final char delimiter;
    /** Quote state: outside a quoted field (at a field's start or not), inside one, or after a quote inside one. */
    private boolean inQuotes;
    private boolean quoteInQuotes;
    private boolean fieldStart = true;
    private boolean anyChar;
    /** Line where the open quoted field started. */
    private long quoteLine;

    Utf8Input(InputStream in) {
        this(in, (char) 0);
    }

    /**
     * Text that also follows RFC 4180 quoting with this delimiter (a quote opens a quoted field only at a field's
     * start; a doubled quote inside one is a literal quote), to tell at the end of the input whether a quoted field
     * was left open: a CSV reader then takes the rest of the input as that field.
     */
    Utf8Input(InputStream in, char delimiter) {
        this.in = in;
        this.delimiter = delimiter;
    }

    /** At the end of the input: the line of a quoted field that was never closed, else -1 (also before the end). */
    long unclosedQuoteLine() {
        return flushed && delimiter != 0 && inQuotes ? quoteLine : -1;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (!chars.hasRemaining()) {
            if (!decodeMore()) {
                return -1;
            }
        }
        int n = Math.min(length, chars.remaining());
        chars.get(buffer, offset, n);
        return n;
    }

    /** Decodes the next chunk into {@link #chars}; false at the end. */
    private boolean decodeMore() throws IOException {
        if (flushed) {
            return false;
        }
        chars.clear();
        chars.limit(chars.capacity() - 1); // room for the replacement character of an invalid sequence
        while (chars.position() == 0) {
            if (!bytes.hasRemaining() && !endOfInput) {
                fill();
            }
            int before = chars.position();
            CoderResult r = decoder.decode(bytes, chars, endOfInput);
            count(before, chars.position());
            if (r.isError()) {
                recordInvalid(bytes.get(bytes.position()) & 0xFF);
                bytes.position(bytes.position() + r.length());
                chars.put('\uFFFD');
            } else if (r.isUnderflow() && endOfInput) {
                decoder.flush(chars);
                flushed = true;
                break;
            } else if (r.isUnderflow() && !endOfInput) {
                fill();
            }
        }
        chars.flip();
        if (start && chars.hasRemaining()) {
            start = false;
            if (chars.get(chars.position()) == '\uFEFF') {
                chars.get();
            }
        }
        return chars.hasRemaining() || !flushed;
    }

    private void fill() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            endOfInput = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    /** Advances the line count over chars[from, to). */
    private void count(int from, int to) {
        for (int i = from; i < to; i++) {
            char c = chars.get(i);
            if (delimiter != 0) {
                quotes(c);
            }
            if (pendingCarriageReturn) {
                pendingCarriageReturn = false;
                if (c != '\n') {
                    decodeLine++;
                }
            }
            if (c == '\n') {
                decodeLine++;
            } else if (c == '\r') {
                pendingCarriageReturn = true;
            }
        }
    }

    /** Follows the quoting over one character (the line count is still the character's own). */
    private void quotes(char c) {
        if (quoteInQuotes) {
            quoteInQuotes = false;
            if (c == '"') {
                inQuotes = true; // a doubled quote: a literal quote, still inside
                return;
            }
            fieldStart = false; // the quote closed the field; c follows it
        } else if (inQuotes) {
            if (c == '"') {
                inQuotes = false;
                quoteInQuotes = true;
            }
            return;
        }
        if (c == '\uFEFF' && !anyChar) {
            anyChar = true;
            return; // the byte-order mark, dropped
        }
        anyChar = true;
        if (c == '"' && fieldStart) {
            inQuotes = true;
            fieldStart = false;
            quoteLine = decodeLine + (pendingCarriageReturn ? 1 : 0);
        } else {
            fieldStart = c == delimiter || c == '\n' || c == '\r';
        }
    }

    private void recordInvalid(int firstByte) {
        long line = decodeLine + (pendingCarriageReturn ? 1 : 0);
        if (invalid.isEmpty() || invalid.peekLast()[0] != line) {
            invalid.addLast(new long[] {line, firstByte});
        }
    }

    /**
     * The first line in {@code [from, to]} that held bytes that are not UTF-8, as "line N: byte 0xXX is not valid
     * UTF-8", or null; forgets every invalid line up to {@code to} (records are asked about in order).
     */
    String invalidIn(long from, long to) {
        String problem = null;
        while (!invalid.isEmpty() && invalid.peekFirst()[0] <= to) {
            long[] bad = invalid.removeFirst();
            if (problem == null && bad[0] >= from) {
                problem = String.format(java.util.Locale.ROOT, "line %d: byte 0x%02X is not valid UTF-8 (the input "
                        + "must be UTF-8)", bad[0], bad[1]);
            }
        }
        return problem;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
