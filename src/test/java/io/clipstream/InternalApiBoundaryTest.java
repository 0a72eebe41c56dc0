package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The line between the API and {@code io.clipstream.internal}. The library ships without a {@code module-info}
 * (README, "Maven coordinates and modules"), so the JVM does not enforce it; this test does: nothing a user can
 * reach from the API packages ({@code io.clipstream}, {@code io.clipstream.detect}, {@code io.clipstream.ingest})
 * names an internal type: no public or protected member's parameter, return, exception, field or type-argument
 * type, no supertype of a public API type. Internal types may change in any release without notice.
 */
class InternalApiBoundaryTest {

    /** The API packages: exactly these, so a new package is a decision, not an accident. */
    static final Set<String> API_PACKAGES = Set.of("io.clipstream", "io.clipstream.detect", "io.clipstream.ingest");
    private static final String INTERNAL = "io.clipstream.internal";

    @Test
    void everyPackageIsEitherApiOrInternal() throws Exception {
        Set<String> packages = new TreeSet<>();
        for (String name : mainClassNames()) {
            packages.add(name.substring(0, name.lastIndexOf('.')));
        }
        Set<String> unknown = new TreeSet<>();
        for (String p : packages) {
            if (!API_PACKAGES.contains(p) && !p.startsWith(INTERNAL)) {
                unknown.add(p);
            }
        }
        assertTrue(unknown.isEmpty(), "packages that are neither API nor internal: " + unknown
                + " (add them to API_PACKAGES and the README, or move them under " + INTERNAL + ")");
        assertTrue(packages.containsAll(API_PACKAGES), "API packages missing from the build: " + packages);
    }

    @Test
    void noApiSignatureNamesAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        int checkedTypes = 0;
        for (String name : mainClassNames()) {
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (!API_PACKAGES.contains(c.getPackageName()) || !reachable(c)) {
                continue;
            }
            checkedTypes++;
            String where = c.getName();
            check(c.getGenericSuperclass(), where + " extends", leaks);
            for (Type t : c.getGenericInterfaces()) {
                check(t, where + " implements", leaks);
            }
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    check(rc.getGenericType(), where + " component " + rc.getName(), leaks);
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers())) {
                    check(f.getGenericType(), where + "." + f.getName(), leaks);
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k.getModifiers())) {
                    executable(k, where + ".<init>", leaks);
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    executable(m, where + "." + m.getName(), leaks);
                }
            }
        }
        assertTrue(checkedTypes > 20, "found only " + checkedTypes + " API types: is the class scan broken?");
        assertEquals(List.of(), leaks, "API members that expose internal types");
    }

    /** The check itself must fail on a leak: a synthetic case against the same scan. */
    @Test
    void theCheckCatchesALeak() throws Exception {
        List<String> leaks = new ArrayList<>();
        Method m = Leaky.class.getDeclaredMethod("kernels");
        executable(m, "Leaky.kernels", leaks);
        assertEquals(1, leaks.size(), leaks.toString());
        leaks.clear();
        check(Leaky.class.getDeclaredMethod("list").getGenericReturnType(), "Leaky.list", leaks);
        assertEquals(1, leaks.size(), "a type argument must count too: " + leaks);
    }

    /** Only for {@link #theCheckCatchesALeak()}. */
    interface Leaky {
        io.clipstream.internal.kernel.Kernels kernels();

        List<? extends io.clipstream.internal.kernel.Kernels> list();
    }

    private static boolean reachable(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void executable(Executable e, String where, List<String> leaks) {
        for (Type t : e.getGenericParameterTypes()) {
            check(t, where + " parameter", leaks);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(t, where + " throws", leaks);
        }
        if (e instanceof Method m) {
            check(m.getGenericReturnType(), where + " returns", leaks);
        }
    }

    private static void check(Type t, String where, List<String> leaks) {
        switch (t) {
            case null -> { }
            case Class<?> c -> {
                Class<?> k = c;
                while (k.isArray()) {
                    k = k.getComponentType();
                }
                if (k.getPackageName().startsWith(INTERNAL)) {
                    leaks.add(where + ": " + k.getName());
                }
            }
            case ParameterizedType p -> {
                check(p.getRawType(), where, leaks);
                for (Type a : p.getActualTypeArguments()) {
                    check(a, where, leaks);
                }
            }
            case GenericArrayType g -> check(g.getGenericComponentType(), where, leaks);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    check(b, where, leaks);
                }
                for (Type b : w.getLowerBounds()) {
                    check(b, where, leaks);
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    if (b != Object.class) {
                        check(b, where, leaks);
                    }
                }
            }
            default -> throw new AssertionError("unexpected type " + t);
        }
    }

    /** Every class compiled from src/main/java (the directory this test's class path has them in). */
    static List<String> mainClassNames() throws IOException, URISyntaxException {
        Path root = Path.of(MeanEstimator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root), "expected the main classes as a directory, got " + root);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString())
                    .filter(s -> !s.endsWith("package-info.class") && !s.endsWith("module-info.class"))
                    .map(s -> s.substring(0, s.length() - ".class".length()).replace('/', '.'))
                    .sorted()
                    .toList();
        }
    }
}
