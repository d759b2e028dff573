package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;

class CudaAwareMpiTest {

    @Test
    void theLibrarysAnswerDecidesWhenThereIsNoOverride() {
        assertTrue(CudaAwareMpi.decide(null, () -> Optional.of(true)));
        assertFalse(CudaAwareMpi.decide(" ", () -> Optional.of(false)));
        assertFalse(CudaAwareMpi.decide(null, Optional::empty), "no query exported: stage through host memory");
    }

    @Test
    void theEnvironmentOverridesTheLibrary() {
        assertTrue(CudaAwareMpi.decide("1", () -> {
            throw new AssertionError("not asked");
        }));
        assertFalse(CudaAwareMpi.decide("0", () -> Optional.of(true)));
        YalisException bad = assertThrows(YalisException.class, () -> CudaAwareMpi.decide("yes", Optional::empty));
        assertTrue(bad.getMessage().contains(CudaAwareMpi.OVERRIDE_ENV), bad.getMessage());
    }
}
