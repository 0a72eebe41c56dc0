package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The SIMD kernels' loops are written out by hand, one per kernel, because a helper that takes or returns a vector
 * boxes it wherever C2 does not inline the helper (see SUM ORDER in {@link SimdKernels} and native-notes, section
 * 4). This test is what keeps those copies one design: it reads the source of {@link SimdKernels}, normalises every
 * loop and checks
 * <ul>
 *   <li>the shape: final locals, a body unrolled 4 vectors wide, its assert, a one-vector tail, its assert, a
 *       scalar tail, in that order;</li>
 *   <li>that the 4 groups of the unrolled body are the same statements (the {@code k}-th group uses the names
 *       suffixed {@code k} and the offset {@code o + k * bytes}), and that the one-vector tail is group 0;</li>
 *   <li>that every reduction adds its 4 accumulators as {@code (a0 + a1) + (a2 + a3)} and then sums the lanes by
 *       the documented fixed-order tree (generated here from its rule, for 4, 8 and 16 lanes);</li>
 *   <li>that each sliced twin ({@code ...Sliced}, see {@code SLICE_LIMIT}) is its offset form but for the slicing;</li>
 *   <li>that no method but the one-line {@code load} and {@code mulAdd} helpers takes a vector.</li>
 * </ul>
 * The scalar tails are not compared textually (they are scalar code): the property suites check every kernel
 * against {@link ScalarKernels} on every length 0..4L+3, which runs every tail.
 */
class KernelLoopShapeTest {

    private static final Pattern METHOD = Pattern.compile(
            "\\n    (?:@Override\\s+)?(?:public |private |static |final )*[\\w<>\\[\\]]+ (\\w+)\\(([^)]*)\\) \\{");
    private static final Pattern GROUP_NAME = Pattern.compile("\\b([a-z]+)([0-3])\\b");

    static String source() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path f = d.resolve("src/main/java/io/clipstream/internal/kernel/SimdKernels.java");
            if (Files.exists(f)) {
                return Files.readString(f);
            }
        }
        throw new AssertionError("SimdKernels.java not found above " + dir);
    }

    /** Method name to body (between its braces), for every method of the source. */
    static Map<String, String> methods(String source) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = METHOD.matcher(source);
        while (m.find()) {
            int open = m.end() - 1;
            out.put(m.group(1), block(source, open));
        }
        return out;
    }

    /** The text between the brace at {@code open} and its matching brace. */
    static String block(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return s.substring(open + 1, i);
            }
        }
        throw new AssertionError("unbalanced braces");
    }

    /** Statements of a block, whitespace collapsed, comments dropped. */
    static List<String> statements(String block) {
        List<String> out = new ArrayList<>();
        for (String line : block.replaceAll("//[^\\n]*", "").split(";")) {
            String t = line.replaceAll("\\s+", " ").strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** The loop methods: those with an unrolled body. */
    static Map<String, String> loops() throws IOException {
        Map<String, String> loops = new LinkedHashMap<>();
        methods(source()).forEach((name, body) -> {
            if (body.contains("final int unrolled = count & -(4 * lanes);")) {
                loops.put(name, body);
            }
        });
        return loops;
    }

    static String loopBody(String method, String header) {
        int at = method.indexOf(header);
        assertTrue(at >= 0, "missing loop " + header);
        return block(method, at + header.length() - 1);
    }

    @Test
    void everyLoopHasTheSameShape() throws IOException {
        Map<String, String> loops = loops();
        assertTrue(loops.size() >= 10, "found only " + loops.keySet());
        String[] order = {
            "final int lanes = species().length();",
            "final int bytes = lanes * Float.BYTES;",
            "int i = 0;",
            "final int unrolled = count & -(4 * lanes);",
            "for (; i < unrolled; i += 4 * lanes) {",
            "assert count - i < 4 * lanes : \"unrolled body left \" + (count - i);",
            "final int vectors = count & -lanes;",
            "for (; i < vectors; i += lanes) {",
            "assert count - i < lanes : \"scalar tail of \" + (count - i);",
            "for (; i < count; i++) {"};
        loops.forEach((name, body) -> {
            int at = 0;
            for (String step : order) {
                int next = body.indexOf(step, at);
                assertTrue(next >= 0, name + ": expected, after what came before, " + step);
                at = next + step.length();
            }
            assertFalse(body.contains("reduceLanes(VectorOperators.ADD)") && !name.equals("allFinite"),
                    name + ": reduceLanes(ADD) has no fixed order (see SUM ORDER)");
        });
    }

    @Test
    void theUnrolledGroupsAndTheVectorTailAreOneStatementList() throws IOException {
        loops().forEach((name, body) -> {
            List<String> unrolled = statements(loopBody(body, "for (; i < unrolled; i += 4 * lanes) {"));
            List<String> common = new ArrayList<>();
            List<List<String>> groups = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                groups.add(new ArrayList<>());
            }
            for (String statement : unrolled) {
                int group = group(statement);
                (group < 0 ? common : groups.get(group)).add(normalise(statement));
            }
            assertFalse(groups.get(0).isEmpty(), name + ": no unrolled groups");
            for (int k = 1; k < 4; k++) {
                assertEquals(groups.get(0), groups.get(k), name + ": unrolled group " + k + " differs from group 0");
            }
            List<String> expectedTail = new ArrayList<>(common);
            expectedTail.addAll(groups.get(0));
            List<String> tail = statements(loopBody(body, "for (; i < vectors; i += lanes) {")).stream()
                    .map(KernelLoopShapeTest::normalise).toList();
            assertEquals(expectedTail, tail, name + ": the one-vector tail is not group 0 of the unrolled body");
        });
    }

    /** The unroll group a statement belongs to (the suffix of its names and its offset), -1 if none. */
    static int group(String statement) {
        int found = -1;
        Matcher m = GROUP_NAME.matcher(statement.replaceAll("o \\+ ([23]) \\* bytes", "o$1").replace("o + bytes", "o1"));
        while (m.find()) {
            int k = m.group(2).charAt(0) - '0';
            if (found >= 0 && found != k) {
                fail("statement mixes unroll groups " + found + " and " + k + ": " + statement);
            }
            found = k;
        }
        return found;
    }

    static String normalise(String statement) {
        String s = statement.replaceAll("o \\+ [23] \\* bytes", "o").replace("o + bytes", "o");
        return GROUP_NAME.matcher(s).replaceAll("$1#");
    }

    @Test
    void everyReductionSumsItsLanesInTheDocumentedOrder() throws IOException {
        Pattern combine = Pattern.compile("FloatVector (\\w+)V = (\\w+)0\\.add\\(\\2(1)\\)\\.add\\(\\2(2)\\.add\\(\\2(3)\\)\\);"
                + " // sum: see SUM ORDER");
        int reductions = 0;
        for (Map.Entry<String, String> e : loops().entrySet()) {
            String body = e.getValue().replaceAll("\\s+", " ");
            Matcher c = combine.matcher(body);
            while (c.find()) {
                reductions++;
                String v = c.group(1) + "V";
                Matcher sum = Pattern.compile("float \\w+ = (" + v + "\\.length\\(\\) == 16[^;]*);").matcher(body);
                assertTrue(sum.find(c.end()), e.getKey() + ": no fixed-order lane sum after " + c.group());
                String expected = v + ".length() == 16 ? " + tree(v, 16) + " : " + v + ".length() == 8 ? "
                        + tree(v, 8) + " : " + tree(v, 4);
                assertEquals(expected, sum.group(1), e.getKey() + ": the lane sum of " + v);
            }
        }
        // dot, sumSquares, both scaledSquaredDistance forms, and the three sums of the model pass
        assertEquals(7, reductions, "reductions found");
    }

    /**
     * The documented order, from its rule: add the upper half of the lanes onto the lower half, then again, down to
     * lane 0; each addition parenthesised.
     */
    static String tree(String v, int lanes) {
        String[] terms = new String[lanes];
        for (int i = 0; i < lanes; i++) {
            terms[i] = v + ".lane(" + i + ")";
        }
        for (int n = lanes / 2; n >= 1; n /= 2) {
            for (int i = 0; i < n; i++) {
                terms[i] = "(" + terms[i] + " + " + terms[i + n] + ")";
            }
        }
        return terms[0];
    }

    @Test
    void slicedTwinsDifferOnlyInTheirSlicing() throws IOException {
        Map<String, String> all = methods(source());
        int twins = 0;
        for (String name : all.keySet()) {
            if (!name.endsWith("Sliced")) {
                continue;
            }
            twins++;
            String base = name.substring(0, name.length() - "Sliced".length());
            assertTrue(all.containsKey(base), name + " has no offset form " + base);
            List<String> sliced = statements(all.get(name));
            List<String> offset = statements(all.get(base));
            int from = offset.indexOf("final int lanes = species().length()");
            assertTrue(from > 0, base);
            assertEquals(sliced.subList(sliced.indexOf("final int lanes = species().length()"), sliced.size()),
                    offset.subList(from, offset.size()), name + " is not " + base + " over slices");
            for (String statement : sliced.subList(0, sliced.indexOf("final int lanes = species().length()"))) {
                assertTrue(statement.matches("final (MemorySegment \\w = \\w+Segment\\.asSlice\\(\\w+Offset, "
                        + "\\(long\\) count << 2\\)|long \\wBase = 0)"), name + ": unexpected prologue " + statement);
            }
        }
        assertEquals(2, twins, "sliced twins");
    }

    @Test
    void onlyTheOneLineHelpersTakeVectors() throws IOException {
        Matcher m = METHOD.matcher(source());
        List<String> takers = new ArrayList<>();
        while (m.find()) {
            if (m.group(2).contains("FloatVector")) {
                takers.add(m.group(1));
            }
        }
        assertEquals(List.of("mulAdd", "mulAdd"), takers,
                "a method taking a vector boxes it wherever C2 does not inline it (SUM ORDER)");
    }
}
