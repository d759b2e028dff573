package org.yalis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;
import org.yalis.engine.testing.TestModels;

/** Opening a model folder: the files it must hold, and where end-of-sequence ids come from. */
class ModelFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** config.json and a placeholder tokenizer.json (ModelFolder only checks it is there). */
    private Path folder(ObjectNode config) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("model"));
        JSON.writeValue(folder.resolve(ModelFolder.CONFIG).toFile(), config);
        Files.writeString(folder.resolve(ModelFolder.TOKENIZER), "{}");
        return folder;
    }

    private static String openFails(Path folder, String... fragments) {
        YalisException e = assertThrows(YalisException.class, () -> ModelFolder.open(folder));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message should contain '" + fragment + "': "
                    + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void opensStories260K() {
        Path path = TestModels.requireStories260K();

        ModelFolder folder = ModelFolder.open(path);

        assertEquals(path, folder.path());
        assertEquals(8, folder.config().heads());
        assertEquals(List.of(2), folder.eosTokenIds());
        assertEquals(path.resolve("tokenizer.json"), folder.tokenizerFile());
    }

    @Test
    void opensASyntheticModel() throws IOException {
        Path path = TestModels.writeTinyModel(dir.resolve("tiny"), org.yalis.engine.tensor.DType.F32, 1);

        ModelFolder folder = ModelFolder.open(path);

        assertEquals(128, folder.config().hiddenSize());
        assertEquals(List.of(2), folder.eosTokenIds());
    }

    @Test
    void eosFromConfigWithoutGenerationConfig() throws IOException {
        ObjectNode config = LlamaConfigTest.base();
        config.putArray("eos_token_id").add(2).add(9);

        assertEquals(List.of(2, 9), ModelFolder.open(folder(config)).eosTokenIds());
    }

    @Test
    void generationConfigEosOverridesConfig() throws IOException {
        Path folder = folder(LlamaConfigTest.base());   // eos_token_id 2
        JSON.writeValue(folder.resolve(ModelFolder.GENERATION_CONFIG).toFile(),
                Map.of("bos_token_id", 1, "eos_token_id", List.of(7, 8)));

        assertEquals(List.of(7, 8), ModelFolder.open(folder).eosTokenIds());
    }

    @Test
    void generationConfigEosAsInt() throws IOException {
        Path folder = folder(LlamaConfigTest.base());
        JSON.writeValue(folder.resolve(ModelFolder.GENERATION_CONFIG).toFile(), Map.of("eos_token_id", 5));

        assertEquals(List.of(5), ModelFolder.open(folder).eosTokenIds());
    }

    @Test
    void generationConfigWithoutEosKeepsConfigs() throws IOException {
        Path folder = folder(LlamaConfigTest.base());
        JSON.writeValue(folder.resolve(ModelFolder.GENERATION_CONFIG).toFile(), Map.of("do_sample", true));

        assertEquals(List.of(2), ModelFolder.open(folder).eosTokenIds());
    }

    @Test
    void generationConfigThatIsNotJsonIsAnError() throws IOException {
        Path folder = folder(LlamaConfigTest.base());
        Files.writeString(folder.resolve(ModelFolder.GENERATION_CONFIG), "{\"eos_token_id\": [1,");

        openFails(folder, ModelFolder.GENERATION_CONFIG, "not valid JSON");
    }

    @Test
    void missingFolder() {
        Path missing = dir.resolve("no-such-model");

        openFails(missing, "model folder " + missing + " does not exist", "--model");
    }

    @Test
    void folderIsAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "x");

        openFails(file, file + " is a file, not a folder");
    }

    @Test
    void noConfigJson() throws IOException {
        Path folder = folder(LlamaConfigTest.base());
        Files.delete(folder.resolve(ModelFolder.CONFIG));

        openFails(folder, "model folder " + folder + " has no config.json");
    }

    @Test
    void noTokenizerJson() throws IOException {
        Path folder = folder(LlamaConfigTest.base());
        Files.delete(folder.resolve(ModelFolder.TOKENIZER));

        openFails(folder, "model folder " + folder + " has no tokenizer.json");
    }

    @Test
    void invalidConfigIsAnErrorNamingIt() throws IOException {
        ObjectNode config = LlamaConfigTest.base();
        config.put("model_type", "qwen2");
        Path folder = folder(config);

        openFails(folder, folder.resolve(ModelFolder.CONFIG).toString(), "unsupported model_type 'qwen2'");
    }
}
