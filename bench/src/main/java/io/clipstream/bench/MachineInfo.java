package io.clipstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** CPU model, SIMD-relevant flags and cache sizes from {@code /proc/cpuinfo} and sysfs (Linux; "unknown" elsewhere). */
record MachineInfo(String model, int logicalCpus, List<String> simdFlags, List<String> missingFlags, String caches) {

    /** Flags that decide which vector code the JIT can emit, in the order printed. */
    private static final List<String> RELEVANT = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
            "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vnni", "avx512_bf16",
            "avx512_fp16");

    static MachineInfo read() {
        String model = "unknown";
        int cpus = Runtime.getRuntime().availableProcessors();
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown")) {
                    model = value;
                } else if (key.equals("flags") && flags.isEmpty()) {
                    flags = Set.copyOf(Arrays.asList(value.split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave "unknown"
        }
        List<String> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String flag : RELEVANT) {
            (flags.contains(flag) ? present : missing).add(flag);
        }
        return new MachineInfo(model, cpus, present, flags.isEmpty() ? List.of() : missing, readCaches());
    }

    /** "L1d 32K, L2 1024K, L3 32768K" from cpu0's sysfs cache entries. */
    private static String readCaches() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            try {
                String level = Files.readString(dir.resolve("level")).trim();
                String type = Files.readString(dir.resolve("type")).trim();
                String size = Files.readString(dir.resolve("size")).trim();
                if (type.equals("Instruction")) {
                    continue;
                }
                parts.add("L" + level + (type.equals("Data") ? "d" : "") + " " + size);
            } catch (IOException | RuntimeException e) {
                break;
            }
        }
        return parts.isEmpty() ? "unknown" : String.join(", ", parts);
    }

    String describe() {
        return "CPU: " + model + ", " + logicalCpus + " logical CPUs, caches (cpu0) " + caches
                + "; SIMD flags: " + (simdFlags.isEmpty() ? "unknown" : String.join(" ", simdFlags))
                + (missingFlags.isEmpty() ? "" : " (absent: " + String.join(" ", missingFlags) + ")");
    }
}
