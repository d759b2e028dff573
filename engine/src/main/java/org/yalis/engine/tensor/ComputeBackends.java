package org.yalis.engine.tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import org.yalis.engine.YalisException;

/** The compute backends on the class path, found through {@link ServiceLoader}: the one registry of them. */
public final class ComputeBackends {
    private ComputeBackends() {
    }

    public static List<ComputeBackendProvider> available() {
        List<ComputeBackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(ComputeBackendProvider.class).forEach(providers::add);
        providers.sort(Comparator.comparing(ComputeBackendProvider::name));
        return providers;
    }

    public static Optional<ComputeBackendProvider> find(String name) {
        return available().stream().filter(provider -> provider.name().equals(name)).findFirst();
    }

    /** The backend {@code --device name} asks for; an error listing what exists otherwise. */
    public static ComputeBackendProvider named(String name) {
        return find(name).orElseThrow(() -> new YalisException("unknown --device '" + name + "'; available: "
                + names()));
    }

    /** The names, for errors and help: "cpu, cuda". */
    public static String names() {
        return available().stream().map(ComputeBackendProvider::name).collect(Collectors.joining(", "));
    }
}
