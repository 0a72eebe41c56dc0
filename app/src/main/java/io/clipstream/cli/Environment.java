package io.clipstream.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A short description of the JVM and CPU for reports. */
final class Environment {
    private Environment() {
    }

    static String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Java ").append(Runtime.version()).append(" (").append(System.getProperty("java.vm.name"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" processors");
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            lines.filter(l -> l.startsWith("model name")).findFirst()
                    .ifPresent(l -> sb.append(", ").append(l.substring(l.indexOf(':') + 1).trim()));
        } catch (Exception e) {
            // not Linux: the JVM description is enough
        }
        return sb.toString();
    }
}
