package org.yalis.engine.attention;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import org.yalis.engine.YalisException;

/** The attention backends on the class path, found through {@link ServiceLoader}. */
public final class AttentionBackends {
    private AttentionBackends() {
    }

    public static List<AttentionBackend> available() {
        List<AttentionBackend> backends = new ArrayList<>();
        ServiceLoader.load(AttentionBackend.class).forEach(backends::add);
        backends.sort(Comparator.comparing(AttentionBackend::name));
        return backends;
    }

    /**
     * The backend called {@code name}, checked against {@code device} and {@code spec}; a clear error
     * listing what exists otherwise.
     */
    public static AttentionBackend select(String name, String device, AttentionSpec spec) {
        List<AttentionBackend> backends = available();
        AttentionBackend chosen = backends.stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new YalisException("unknown attention backend '" + name + "'; available: "
                        + describe(backends)));
        chosen.capabilities().whyUnsupported(device, spec).ifPresent(why -> {
            throw new YalisException("attention backend '" + name + "' cannot serve this run: " + why
                    + "; available: " + describe(backends));
        });
        return chosen;
    }

    static String describe(List<AttentionBackend> backends) {
        if (backends.isEmpty()) {
            return "none (the attention-backends jar is not on the class path)";
        }
        return backends.stream().map(b -> b.name() + " (devices " + String.join(",", b.capabilities().devices()) + ")")
                .collect(Collectors.joining(", "));
    }
}
