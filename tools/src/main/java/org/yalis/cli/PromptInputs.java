package org.yalis.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.YalisException;

/** The prompts of a run: every {@code --prompt} in order, then each line of {@code --prompts-file}. */
final class PromptInputs {
    private PromptInputs() {
    }

    static List<String> collect(List<String> prompts, Path promptsFile) {
        List<String> all = new ArrayList<>(prompts == null ? List.of() : prompts);
        if (promptsFile != null) {
            all.addAll(readJsonl(promptsFile));
        }
        if (all.isEmpty()) {
            throw new YalisException("no prompt given; pass --prompt TEXT (repeatable) or --prompts-file FILE.jsonl");
        }
        return all;
    }

    /**
     * One prompt per non-blank line: a JSON object with a "prompt" string (as vLLM's and OpenAI's batch
     * files have it), or a bare JSON string.
     */
    static List<String> readJsonl(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new YalisException("prompts file " + file + " does not exist");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new YalisException("cannot read prompts file " + file + ": " + e.getMessage());
        }
        ObjectMapper json = new ObjectMapper();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (IOException e) {
                throw new YalisException("line " + (i + 1) + " of " + file + " is not JSON; each line must be "
                        + "{\"prompt\": \"...\"}");
            }
            JsonNode prompt = node.isTextual() ? node : node.path("prompt");
            if (!prompt.isTextual()) {
                throw new YalisException("line " + (i + 1) + " of " + file + " has no \"prompt\" string; each line "
                        + "must be {\"prompt\": \"...\"}");
            }
            prompts.add(prompt.asText());
        }
        if (prompts.isEmpty()) {
            throw new YalisException("prompts file " + file + " holds no prompts");
        }
        return prompts;
    }
}
