package org.yalis.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.yalis.engine.UserFiles;
import org.yalis.engine.testing.FuzzChecks;

/**
 * Fuzz targets of the checkpoint's parsers: a safetensors file's bytes (its header and every claim about
 * the data), and a sharded checkpoint's index JSON. Seeds in src/test/resources; docs/errors.md says how to
 * fuzz for longer.
 */
class SafetensorsHeaderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void aSafetensorsFile(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> {
            SafetensorsFile file = SafetensorsFile.parse(Path.of("fuzz.safetensors"), MemorySegment.ofArray(bytes));
            for (CheckpointTensor tensor : file.tensors().values()) {
                // What loading does next with a tensor: its shape as a matrix (only after checking that it is
                // the 1-D or 2-D shape config.json implies), its values checked.
                tensor.elementCount();
                if (tensor.shape().length == 1 || tensor.shape().length == 2) {
                    tensor.asMatrix();
                }
                FiniteValues.firstNonFinite(tensor.bytes(), tensor.dtype());
            }
        });
    }

    @FuzzTest(maxDuration = "10s")
    void aCheckpointIndex(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> Checkpoint.parseIndex(
                UserFiles.parseJson(bytes, "model.safetensors.index.json", "re-download it"),
                Path.of("model.safetensors.index.json")));
    }
}
