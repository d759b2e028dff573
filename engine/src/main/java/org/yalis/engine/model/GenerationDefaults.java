package org.yalis.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;

/**
 * The sampling defaults a model ships in {@code generation_config.json}, applied as transformers'
 * {@code generate} applies them: sampling only when {@code do_sample} is true (then temperature 1,
 * top-k 50 and top-p 1 unless the file says otherwise), greedy otherwise.
 */
public record GenerationDefaults(boolean doSample, double temperature, int topK, double topP) {

    public static final GenerationDefaults GREEDY = new GenerationDefaults(false, 0, 0, 1);

    public static GenerationDefaults read(Path folder) {
        Path file = folder.resolve(ModelFolder.GENERATION_CONFIG);
        if (!Files.isRegularFile(file)) {
            return GREEDY;
        }
        return fromJson(UserFiles.readJson(file, "generation config", "fix or delete it"));
    }

    /** The sampling defaults a generation_config.json holds (greedy unless it sets do_sample). */
    static GenerationDefaults fromJson(JsonNode json) {
        if (json == null || !json.path("do_sample").asBoolean(false)) {
            return GREEDY;
        }
        return new GenerationDefaults(true, json.path("temperature").asDouble(1.0), json.path("top_k").asInt(50),
                json.path("top_p").asDouble(1.0));
    }
}
