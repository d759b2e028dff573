package org.yalis.engine.plan;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.tensor.DType;

/** The model a plan is for: a preset's published config.json, or a model folder's. */
public final class PlanModels {
    public static final List<String> PRESETS = List.of("llama-3.2-1b", "llama-3.1-8b", "llama-3.1-70b",
            "llama-3.1-405b");

    private PlanModels() {
    }

    public static LlamaConfig config(String presetOrFolder) {
        if (PRESETS.contains(presetOrFolder)) {
            String resource = "models/" + presetOrFolder + ".json";
            try (InputStream in = PlanModels.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resource);
                }
                return LlamaConfig.parse(UserFiles.parseJson(in.readAllBytes(), "preset " + presetOrFolder,
                        "report this bug"), "preset " + presetOrFolder);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        Path config = Path.of(presetOrFolder).resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new YalisException("--model " + presetOrFolder + " is neither a preset (" + String.join(", ", PRESETS)
                    + ") nor a model folder with a config.json; give one of those");
        }
        return LlamaConfig.read(config);
    }

    /** The dtype of a folder's first linear weight (bf16 for a preset, as published). */
    public static DType weightType(String presetOrFolder) {
        if (PRESETS.contains(presetOrFolder)) {
            return DType.BF16;
        }
        try (Arena arena = Arena.ofConfined()) {
            return Checkpoint.open(Path.of(presetOrFolder), arena).find("model.layers.0.self_attn.q_proj.weight")
                    .orElseThrow(() -> new YalisException(presetOrFolder + " has no model.layers.0.self_attn.q_proj"
                            + ".weight; the weights do not match config.json"))
                    .dtype();
        }
    }
}
