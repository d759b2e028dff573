package org.yalis.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * A Hugging Face model folder, checked: {@code config.json} (parsed), {@code tokenizer.json}, and the
 * end-of-sequence ids from {@code generation_config.json} (which overrides config.json, as in
 * transformers' {@code generate}).
 */
public record ModelFolder(Path path, LlamaConfig config, List<Integer> eosTokenIds) {

    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    public static ModelFolder open(Path path) {
        if (!Files.exists(path)) {
            throw new YalisException("model folder " + path + " does not exist; pass --model a Hugging Face "
                    + "model folder (config.json, tokenizer.json, *.safetensors)");
        }
        if (!Files.isDirectory(path)) {
            throw new YalisException("--model " + path + " is a file, not a folder; pass the folder that holds "
                    + "config.json, tokenizer.json and the *.safetensors weights");
        }
        // A name of the folder that is there but not a file (a pipe, a device, a folder) is said so: reading a
        // pipe would wait forever, a device might never end, and skipping an optional one would hide it.
        for (String name : List.of(CONFIG, TOKENIZER, GENERATION_CONFIG, "tokenizer_config.json", "chat_template.jinja",
                "model.safetensors", "model.safetensors.index.json")) {
            Path file = path.resolve(name);
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new YalisException(name + " in model folder " + path + (Files.isDirectory(file)
                        ? " is a folder, not a file" : " is a pipe or a device, not a regular file")
                        + "; put the real file there (re-download the model folder)");
            }
        }
        Path configFile = path.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new YalisException("model folder " + path + " has no " + CONFIG
                    + "; it must be a Hugging Face model folder (config.json, tokenizer.json, *.safetensors)");
        }
        if (!Files.isRegularFile(path.resolve(TOKENIZER))) {
            throw new YalisException("model folder " + path + " has no " + TOKENIZER
                    + "; download the model's tokenizer.json (Hugging Face fast tokenizer format)");
        }
        LlamaConfig config = LlamaConfig.read(configFile);
        LinkedHashSet<Integer> eos = new LinkedHashSet<>();
        Path generationConfig = path.resolve(GENERATION_CONFIG);
        if (Files.isRegularFile(generationConfig)) {
            JsonNode json = UserFiles.readJson(generationConfig, "generation config", "fix or delete it");
            if (json != null) {
                eos.addAll(LlamaConfig.tokenIds(json.path("eos_token_id")));
            }
        }
        if (eos.isEmpty()) {
            eos.addAll(config.eosTokenIds());
        }
        return new ModelFolder(path, config, List.copyOf(eos));
    }

    public Path tokenizerFile() {
        return path.resolve(TOKENIZER);
    }
}
