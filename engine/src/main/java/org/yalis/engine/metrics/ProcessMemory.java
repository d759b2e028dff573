package org.yalis.engine.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * This process's resident memory as the kernel counts it ({@code /proc/self/status}): what
 * {@code /usr/bin/time -v} reports as "maximum resident set size", so a benchmark can record it
 * beside its speed.
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** The peak resident set so far ({@code VmHWM}); empty where the kernel does not report it. */
    public static OptionalLong peakResidentBytes() {
        return statusField("VmHWM:");
    }

    /** The resident set now ({@code VmRSS}). */
    public static OptionalLong residentBytes() {
        return statusField("VmRSS:");
    }

    /**
     * Memory the kernel can give this process without swapping ({@code MemAvailable} in /proc/meminfo), else
     * the JVM's view of free memory: what sizing checks compare a request with.
     */
    public static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux: fall through.
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        return os.getFreeMemorySize();
    }

    private static OptionalLong statusField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length()).replace("kB", "").trim())
                            * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or an unreadable /proc: no figure.
        }
        return OptionalLong.empty();
    }
}
