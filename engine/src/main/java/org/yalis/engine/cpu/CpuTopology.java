package org.yalis.engine.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * How many physical cores this process may run on: the default compute thread count. A second
 * hardware thread on a core shares its vector units and its memory bandwidth; for kernels that
 * saturate one or the other it adds contention, not speed, so the default counts cores, the way
 * llama.cpp's does.
 */
public final class CpuTopology {
    private CpuTopology() {
    }

    /**
     * Distinct (package, core) pairs among the CPUs this process may use, from
     * {@code /sys/devices/system/cpu/cpuN/topology}; the JVM's available processors where that cannot be
     * read (not Linux), or when fewer CPUs are available to this process than the topology lists
     * (a container's CPU quota).
     */
    public static int physicalCores() {
        int available = Runtime.getRuntime().availableProcessors();
        Path cpus = Path.of("/sys/devices/system/cpu");
        Set<String> cores = new HashSet<>();
        int logical = 0;
        try (var entries = Files.list(cpus)) {
            for (Path cpu : (Iterable<Path>) entries::iterator) {
                String name = cpu.getFileName().toString();
                if (!name.matches("cpu[0-9]+") || !Files.isRegularFile(cpu.resolve("topology/core_id"))) {
                    continue;
                }
                Path online = cpu.resolve("online");
                if (Files.isRegularFile(online) && Files.readString(online).trim().equals("0")) {
                    continue;
                }
                logical++;
                cores.add(Files.readString(cpu.resolve("topology/physical_package_id")).trim() + ":"
                        + Files.readString(cpu.resolve("topology/core_id")).trim());
            }
        } catch (IOException | RuntimeException e) {
            return available;
        }
        if (cores.isEmpty() || available < logical) {
            return Math.max(1, Math.min(available, cores.isEmpty() ? available : cores.size()));
        }
        return cores.size();
    }
}
