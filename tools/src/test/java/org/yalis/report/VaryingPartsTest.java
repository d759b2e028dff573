package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class VaryingPartsTest {

    @Test
    void labelsKeepWhatDiffersAndTheCaptionWhatIsShared() {
        VaryingParts parts = VaryingParts.of(List.of(List.of("tiny", "tp 1", "local"), List.of("tiny", "tp 2", "mpi")),
                Set.of());
        assertEquals(List.of("tp 1 · local", "tp 2 · mpi"), parts.labels());
        assertEquals("tiny", parts.common());
    }

    @Test
    void alwaysShownPartsStayInTheLabelsAndOutOfTheCaption() {
        VaryingParts parts = VaryingParts.of(List.of(List.of("tiny", "tp 1"), List.of("tiny", "tp 1")), Set.of(1));
        assertEquals(List.of("tp 1", "tp 1 #2"), parts.labels(), "a repeated configuration is numbered");
        assertEquals("tiny", parts.common());
    }

    @Test
    void withNothingDifferentAndNothingRequiredTheLabelsSayEverything() {
        VaryingParts parts = VaryingParts.of(List.of(List.of("local", "2 ranks", "all-reduce")), Set.of());
        assertEquals(List.of("local · 2 ranks · all-reduce"), parts.labels());
        assertEquals("", parts.common());
    }
}
