package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.YalisException;
import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** {@code YALIS_FAULT} as it is written, and where the fault fires (the processes are RankFailureIT's). */
class InjectedFaultTest {

    @Test
    void aFaultIsReadFromItsFields() {
        assertEquals(new InjectedFault(1, InjectedFault.Point.DECODE, InjectedFault.How.KILL, 50),
                InjectedFault.parse("rank=1,at=decode,how=kill"));
        assertEquals(new InjectedFault(0, InjectedFault.Point.PREFILL, InjectedFault.How.THROW, 3),
                InjectedFault.parse(" at = PREFILL "));
        assertEquals(new InjectedFault(2, InjectedFault.Point.COLLECTIVE, InjectedFault.How.THROW, 7),
                InjectedFault.parse("rank=2,at=collective,after=7"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rank=1", "at=lunch", "at=load,how=gently", "at=load,rank=-1", "at=decode,after=0",
        "at=load,when=now", "at=load,rank=one", "garbage"})
    void anythingElseIsOneLineSayingHowToWriteIt(String value) {
        YalisException error = assertThrows(YalisException.class, () -> InjectedFault.parse(value));
        assertTrue(error.getMessage().startsWith("YALIS_FAULT='" + value + "' is not a fault; write rank=R,at="),
                error.getMessage());
    }

    @Test
    void theFaultFiresOnItsRankAtItsCollectiveOfItsPhaseOnly() {
        List<Communicator> group = LocalCommunicator.createGroup(1);
        AtomicReference<Phase> phase = new AtomicReference<>(Phase.PREFILL);
        Communicator faulty = InjectedFault.parse("rank=0,at=decode,after=3").inject(group.getFirst(), phase::get);
        Tensor x = new Tensor(java.lang.foreign.Arena.ofAuto().allocate(16, 64), DType.F32, 1, 4);
        for (int i = 0; i < 5; i++) {
            faulty.allReduceSum(x);   // prefill collectives are not counted
        }
        phase.set(Phase.DECODE);
        faulty.allReduceSum(x);
        faulty.split(0, 0).allReduceSum(x);   // a split group counts with its parent
        IllegalStateException fault = assertThrows(IllegalStateException.class, () -> faulty.allReduceSum(x));
        assertTrue(fault.getMessage().contains("rank 0 failed in decode, before its collective 3"), fault.getMessage());
        faulty.allReduceSum(x);   // once only

        Communicator otherRank = InjectedFault.parse("rank=1,at=decode,after=1").inject(group.getFirst(), phase::get);
        otherRank.allReduceSum(x);   // rank 0 is not the failing rank
    }
}
