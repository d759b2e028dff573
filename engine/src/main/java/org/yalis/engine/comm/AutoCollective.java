package org.yalis.engine.comm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.yalis.engine.YalisException;

/**
 * {@code --collective auto}: ranks as MPI processes; each all-reduce on the backend that
 * {@code yalis comm-bench} measured fastest at its size on this machine ({@code --comm-profile FILE}),
 * among the other process-based backends that move this run's buffers ({@link AutoCommunicator}).
 */
public final class AutoCollective implements CollectiveBackend {
    @Override
    public String name() {
        return "auto";
    }

    @Override
    public String description() {
        return "per all-reduce size, the backend comm-bench measured fastest here (--comm-profile FILE)";
    }

    @Override
    public Ranks ranks() {
        return Ranks.PROCESSES;
    }

    @Override
    public boolean movesHostBuffers() {
        return true;
    }

    @Override
    public boolean movesDeviceBuffers() {
        return true;
    }

    @Override
    public boolean needsCommProfile() {
        return true;
    }

    /** The backends it may choose among for {@code deviceBuffers}: every other process-based one that moves them. */
    private static List<CollectiveBackend> candidates(boolean deviceBuffers) {
        return CollectiveBackends.available().stream()
                .filter(b -> b.ranks() == Ranks.PROCESSES && !b.needsCommProfile())
                .filter(b -> deviceBuffers ? b.movesDeviceBuffers() : b.movesHostBuffers()).toList();
    }

    @Override
    public void checkLaunch(boolean deviceBuffers) {
        // The profile decides which of these are built; each checks its own launch when it is.
    }

    @Override
    public Communicator overMpi(MpiCommunicator world, Setup setup) {
        java.nio.file.Path file = setup.commProfile().orElseThrow(() -> new YalisException("the auto collective picks "
                + "a backend per message size from measurements: give --comm-profile FILE (yalis comm-bench --json)"));
        Map<String, CollectiveBackend> byName = candidates(setup.deviceBuffers()).stream()
                .collect(Collectors.toMap(CollectiveBackend::name, b -> b, (a, b) -> a, LinkedHashMap::new));
        CommProfile profile = CommProfile.read(file, setup.deviceBuffers() ? "device" : "host", world.size(),
                Set.copyOf(byName.keySet()));
        Map<String, Communicator> built = new LinkedHashMap<>();
        try {
            for (String name : profile.backends()) {
                CollectiveBackend backend = byName.get(name);
                backend.checkLaunch(setup.deviceBuffers());
                built.put(name, backend.overMpi(world, setup));
            }
            AutoCommunicator auto = new AutoCommunicator(built, profile);
            if (world.rank() == 0) {
                System.err.println("collective auto (from " + file + "): all-reduce " + auto.ranges());
            }
            return auto;
        } catch (RuntimeException e) {
            built.values().forEach(Communicator::close);
            throw e;
        }
    }
}
