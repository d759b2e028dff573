package org.yalis.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;

/** A model folder's checkpoint: one file or index-listed shards, and the errors of missing pieces. */
class CheckpointTest {
    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    /** Writes F32 tensors of shape [n]; element i holds 1000 * (length of the name) + i. */
    private static void writeShard(Path file, Map<String, Integer> tensors) throws IOException {
        try (Arena source = Arena.ofConfined()) {
            List<SafetensorsWriter.Entry> entries = tensors.entrySet().stream().map(t -> {
                var data = source.allocate(4L * t.getValue());
                for (int i = 0; i < t.getValue(); i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, i, t.getKey().length() * 1000 + i);
                }
                return SafetensorsWriter.Entry.of(t.getKey(), DType.F32, new long[] {t.getValue()}, data);
            }).toList();
            SafetensorsWriter.write(file, entries, Map.of("format", "pt"));
        }
    }

    private void writeIndex(Map<String, String> weightMap) throws IOException {
        new ObjectMapper().writeValue(dir.resolve(Checkpoint.INDEX_FILE).toFile(),
                Map.of("metadata", Map.of("total_size", 0), "weight_map", weightMap));
    }

    private static Map<String, Integer> ordered(Object... nameAndLength) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < nameAndLength.length; i += 2) {
            map.put((String) nameAndLength[i], (Integer) nameAndLength[i + 1]);
        }
        return map;
    }

    private static void assertContains(String message, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "message should contain '" + fragment + "': " + message);
        }
    }

    @Test
    void singleFileCheckpoint() throws IOException {
        writeShard(dir.resolve(Checkpoint.SINGLE_FILE), ordered("a", 3, "b", 5));

        Checkpoint checkpoint = Checkpoint.open(dir, arena);

        assertEquals(List.of(dir.resolve(Checkpoint.SINGLE_FILE)), checkpoint.files());
        assertEquals(List.of("a", "b"), List.copyOf(checkpoint.tensors().keySet()));
        assertArrayEquals(new long[] {5}, checkpoint.find("b").orElseThrow().shape());
        assertTrue(checkpoint.find("c").isEmpty());
    }

    @Test
    void shardedCheckpointLoadsEveryTensorFromItsShard() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("model.embed_tokens.weight", 8, "model.layers.0.w", 4));
        writeShard(dir.resolve(SHARD_2), ordered("model.layers.1.w", 6, "model.norm.weight", 2));
        Map<String, String> weightMap = new LinkedHashMap<>();
        weightMap.put("model.embed_tokens.weight", SHARD_1);
        weightMap.put("model.layers.0.w", SHARD_1);
        weightMap.put("model.layers.1.w", SHARD_2);
        weightMap.put("model.norm.weight", SHARD_2);
        writeIndex(weightMap);

        Checkpoint checkpoint = Checkpoint.open(dir, arena);

        assertEquals(List.of(dir.resolve(SHARD_1), dir.resolve(SHARD_2)), checkpoint.files());
        assertEquals(weightMap.keySet(), checkpoint.tensors().keySet());
        for (Map.Entry<String, String> listed : weightMap.entrySet()) {
            CheckpointTensor tensor = checkpoint.find(listed.getKey()).orElseThrow();
            assertEquals(listed.getValue(), tensor.file().getFileName().toString(), listed.getKey());
            assertEquals(listed.getKey().length() * 1000 + 1.0f,
                    tensor.bytes().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1), listed.getKey());
        }
        assertArrayEquals(new long[] {6}, checkpoint.find("model.layers.1.w").orElseThrow().shape());
    }

    @Test
    void indexNamingAMissingShardIsAnError() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("a", 2));
        writeIndex(Map.of("a", SHARD_1, "b", SHARD_2));

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), Checkpoint.INDEX_FILE, "'" + SHARD_2 + "'", "not in the folder",
                "re-download");
    }

    @Test
    void indexListingATensorItsShardLacksIsAnError() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("a", 2));
        writeShard(dir.resolve(SHARD_2), ordered("b", 2));
        writeIndex(Map.of("a", SHARD_1, "b", SHARD_2, "c", SHARD_2));

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), Checkpoint.INDEX_FILE, "tensor 'c'", SHARD_2, "does not hold it");
    }

    @Test
    void indexThatIsNotJsonIsAnError() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("a", 2));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": ");

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), Checkpoint.INDEX_FILE, "not valid JSON");
    }

    @Test
    void indexWithoutWeightMapIsAnError() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("a", 2));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\": {}}");

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), Checkpoint.INDEX_FILE, "weight_map");
    }

    @Test
    void folderWithoutSafetensorsIsAnError() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), "no model.safetensors or model.safetensors.index.json in " + dir,
                "download the model's safetensors weights");
        assertFalse(e.getMessage().contains("PyTorch"), e.getMessage());
    }

    @Test
    void folderWithOnlyPytorchWeightsSaysToConvert() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), "no model.safetensors", "only PyTorch .bin weights",
                "convert them to safetensors");
    }

    @Test
    void otherSafetensorsNamesAreFoundWithoutAnIndex() throws IOException {
        writeShard(dir.resolve("b.safetensors"), ordered("y", 2));
        writeShard(dir.resolve("a.safetensors"), ordered("x", 2));

        Checkpoint checkpoint = Checkpoint.open(dir, arena);

        assertEquals(List.of(dir.resolve("a.safetensors"), dir.resolve("b.safetensors")), checkpoint.files());
        assertEquals(Set.of("x", "y"), checkpoint.tensors().keySet());
    }

    @Test
    void corruptShardErrorNamesTheShard() throws IOException {
        writeShard(dir.resolve(SHARD_1), ordered("a", 2));
        Files.write(dir.resolve(SHARD_2), new byte[] {1, 2, 3});
        writeIndex(Map.of("a", SHARD_1, "b", SHARD_2));

        YalisException e = assertThrows(YalisException.class, () -> Checkpoint.open(dir, arena));

        assertContains(e.getMessage(), dir.resolve(SHARD_2).toString(), "corrupt");
    }
}
