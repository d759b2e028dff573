package org.yalis.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.UserFiles;
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

    /** Most bytes a prompts file may hold: a device such as /dev/zero would otherwise be read forever. */
    static final long MAX_BYTES = 256L << 20;
    /** The prompts file name that means standard input. */
    static final String STANDARD_INPUT = "-";

    /**
     * The lines of {@code file} ({@code -} for standard input, also a pipe or another special file that can
     * be read to its end), at most {@link #MAX_BYTES}, as UTF-8.
     */
    private static List<String> readLines(Path file) {
        boolean standardInput = file.toString().equals(STANDARD_INPUT);
        if (!standardInput) {
            if (!Files.exists(file)) {
                throw new YalisException("prompts file " + file + " does not exist");
            }
            if (Files.isDirectory(file)) {
                throw new YalisException("prompts file " + file + " is a folder; give a JSONL file (or - for "
                        + "standard input)");
            }
        }
        String name = standardInput ? "standard input" : file.toString();
        try (InputStream in = standardInput ? System.in : Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new YalisException("prompts file " + name + " holds more than " + (MAX_BYTES >> 20)
                        + " MiB; split it into several runs");
            }
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new YalisException(standardInput ? "cannot read standard input: " + e.getMessage()
                    : UserFiles.cannotRead(file, "prompts file", e));
        }
    }

    /**
     * One prompt per non-blank line: a JSON object with a "prompt" string (as vLLM's and OpenAI's batch
     * files have it), or a bare JSON string.
     */
    static List<String> readJsonl(Path file) {
        return parseJsonl(readLines(file), file.toString());
    }

    /** The prompts of the lines of a prompts file named {@code file} in messages. */
    static List<String> parseJsonl(List<String> lines, String file) {
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
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new YalisException("line " + (i + 1) + " of " + file + " is not JSON (" + UserFiles.where(e)
                        + "); each line must be {\"prompt\": \"...\"}");
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
