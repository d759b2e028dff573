package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

class PhasedCommunicatorTest {

    @Test
    void eachPhaseUsesItsOwnBackend() {
        Communicator prefill = LocalCommunicator.createGroup(1).getFirst();
        Communicator decode = LocalCommunicator.createGroup(1).getFirst();
        AtomicReference<Phase> phase = new AtomicReference<>(Phase.PREFILL);
        PhasedCommunicator phased = new PhasedCommunicator(prefill, decode, phase::get);
        try (Arena arena = Arena.ofConfined()) {
            Tensor tensor = new Tensor(arena.allocate(16), DType.F32, 1, 4);
            phased.allReduceSum(tensor);
            phased.allReduceSum(tensor);
            phase.set(Phase.DECODE);
            phased.allReduceSum(tensor);
        }
        assertEquals(2, prefill.stats().get(CommStats.Operation.ALL_REDUCE).calls());
        assertEquals(1, decode.stats().get(CommStats.Operation.ALL_REDUCE).calls());
        assertEquals(3, phased.stats().get(CommStats.Operation.ALL_REDUCE).calls(), "stats cover both phases");
        phased.resetStats();
        assertEquals(0, prefill.stats().get(CommStats.Operation.ALL_REDUCE).calls());
        assertEquals(0, decode.stats().get(CommStats.Operation.ALL_REDUCE).calls());
    }

    @Test
    void splitKeepsThePhaseSwitch() {
        Communicator prefill = LocalCommunicator.createGroup(1).getFirst();
        Communicator decode = LocalCommunicator.createGroup(1).getFirst();
        AtomicReference<Phase> phase = new AtomicReference<>(Phase.DECODE);
        Communicator child = new PhasedCommunicator(prefill, decode, phase::get).split(0, 0);
        try (Arena arena = Arena.ofConfined()) {
            child.allReduceSum(new Tensor(arena.allocate(4), DType.F32, 1, 1));
        }
        assertEquals(1, child.stats().get(CommStats.Operation.ALL_REDUCE).calls());
        assertEquals("local", child.backend());
    }
}
