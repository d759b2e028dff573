package org.yalis.engine.comm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import org.yalis.engine.YalisException;

/** The collective backends on the class path, found through {@link ServiceLoader}: the one registry of them. */
public final class CollectiveBackends {
    private CollectiveBackends() {
    }

    public static List<CollectiveBackend> available() {
        List<CollectiveBackend> backends = new ArrayList<>();
        ServiceLoader.load(CollectiveBackend.class).forEach(backends::add);
        backends.sort(Comparator.comparing(CollectiveBackend::name));
        return backends;
    }

    public static Optional<CollectiveBackend> find(String name) {
        return available().stream().filter(backend -> backend.name().equals(name)).findFirst();
    }

    /** The backend called {@code name}; an error listing what exists otherwise. */
    public static CollectiveBackend named(String name) {
        return find(name).orElseThrow(() -> new YalisException("unknown collective backend '" + name + "'; available: "
                + names()));
    }

    /** The names, for errors and help: "local, mpi, nccl". */
    public static String names() {
        return available().stream().map(CollectiveBackend::name).collect(Collectors.joining(", "));
    }

    /** Whether {@code name} runs its ranks as processes (unknown names count as processes: mpirun will say). */
    public static boolean runsProcesses(String name) {
        return find(name).map(backend -> backend.ranks() == CollectiveBackend.Ranks.PROCESSES).orElse(true);
    }
}
