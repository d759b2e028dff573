package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;

/** What of {@link NcclCommunicator} can be checked without a GPU (the rest: NcclCommunicatorGpuTest). */
class NcclCommunicatorTest {

    @Test
    void theCollectiveTimeoutIsTenMinutesUnlessTheEnvironmentSaysOtherwise() {
        assertEquals(Duration.ofMinutes(10), NcclCommunicator.timeout(null));
        assertEquals(Duration.ofMinutes(10), NcclCommunicator.timeout(""));
        assertEquals(Duration.ofSeconds(90), NcclCommunicator.timeout(" 90 "));
        for (String bad : new String[] {"0", "-5", "ten"}) {
            YalisException refused = assertThrows(YalisException.class, () -> NcclCommunicator.timeout(bad));
            assertTrue(refused.getMessage().startsWith(NcclCommunicator.TIMEOUT_ENV + " must be a positive number"),
                    refused.getMessage());
        }
    }
}
