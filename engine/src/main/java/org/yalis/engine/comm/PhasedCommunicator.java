package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.Tensor;

/**
 * One group seen through two backends, one per phase ({@code --collective-prefill},
 * {@code --collective-decode}): the best collective differs with the message size, and prefill
 * messages are hundreds of times larger than decode ones. The engine switches the phase before each
 * step; the layers that hold this communicator never know.
 */
public final class PhasedCommunicator implements Communicator {
    private final Communicator prefill;
    private final Communicator decode;
    private final Supplier<Phase> phase;

    public PhasedCommunicator(Communicator prefill, Communicator decode, Supplier<Phase> phase) {
        if (prefill.size() != decode.size() || prefill.rank() != decode.rank()) {
            throw new IllegalArgumentException("the two phases' groups must hold the same ranks");
        }
        this.prefill = prefill;
        this.decode = decode;
        this.phase = phase;
    }

    private Communicator current() {
        return phase.get() == Phase.DECODE ? decode : prefill;
    }

    /** Each phase's own choice, where it makes one: "prefill: ...; decode: ...". */
    @Override
    public java.util.Optional<String> choices() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        prefill.choices().ifPresent(c -> parts.add("prefill: " + c));
        decode.choices().ifPresent(c -> parts.add("decode: " + c));
        return parts.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join("; ", parts));
    }

    @Override
    public int rank() {
        return prefill.rank();
    }

    @Override
    public int size() {
        return prefill.size();
    }

    @Override
    public String backend() {
        return prefill.backend().equals(decode.backend()) ? prefill.backend()
                : "prefill:" + prefill.backend() + ",decode:" + decode.backend();
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        current().allReduceSum(tensor);
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        current().allGather(local, gathered);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        current().broadcast(tensor, root);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        prefill.broadcastBytes(bytes, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        return prefill.allGatherLong(value);
    }

    @Override
    public void barrier() {
        prefill.barrier();
    }

    @Override
    public Communicator split(int color, int key) {
        return new PhasedCommunicator(prefill.split(color, key), decode.split(color, key), phase);
    }

    @Override
    public void useDeviceStream(DeviceStream stream) {
        prefill.useDeviceStream(stream);
        if (decode != prefill) {
            decode.useDeviceStream(stream);
        }
    }

    @Override
    public CommStats stats() {
        CommStats both = new CommStats();
        for (Communicator each : prefill == decode ? new Communicator[] {prefill} : new Communicator[] {prefill, decode}) {
            each.stats().snapshot().forEach(both::add);
        }
        return both;
    }

    @Override
    public void resetStats() {
        prefill.resetStats();
        decode.resetStats();
    }

    @Override
    public void abort(Throwable cause) {
        prefill.abort(cause);
        decode.abort(cause);
    }

    @Override
    public void close() {
        prefill.close();
        if (decode != prefill) {
            decode.close();
        }
    }
}
