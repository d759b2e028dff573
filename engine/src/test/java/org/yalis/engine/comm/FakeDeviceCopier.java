package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DeviceCopier} whose "device" is host memory: copies are plain, and every call is logged
 * ("toHost 64", "toDevice 64", "await", "stream 0") so tests can check what was staged and when.
 */
final class FakeDeviceCopier implements DeviceCopier {
    final List<String> log = new ArrayList<>();
    DeviceStream stream;

    @Override
    public MemorySegment allocateHost(long bytes, Arena arena) {
        return arena.allocate(bytes, 64);
    }

    @Override
    public void toHost(MemorySegment device, MemorySegment host, long bytes) {
        log.add("toHost " + bytes);
        MemorySegment.copy(device, 0, host, 0, bytes);
    }

    @Override
    public void toDevice(MemorySegment host, MemorySegment device, long bytes) {
        log.add("toDevice " + bytes);
        MemorySegment.copy(host, 0, device, 0, bytes);
    }

    @Override
    public void awaitDevice() {
        log.add("await");
    }

    @Override
    public void useStream(DeviceStream stream) {
        log.add("stream " + stream.device());
        this.stream = stream;
    }
}
