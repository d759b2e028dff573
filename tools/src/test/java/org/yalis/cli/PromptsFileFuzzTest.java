package org.yalis.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.BeforeAll;

import org.yalis.engine.testing.FuzzChecks;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * Fuzz target of {@code --prompts-file}: its bytes as lines of JSON, then each prompt through the tokenizer
 * it goes to next. The tokenizer is native (DJL's Rust tokenizers over JNI), so a string Java allows and
 * Rust does not (a lone surrogate from a {@code \ud800} escape) would crash the JVM, not throw.
 */
class PromptsFileFuzzTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = Tokenizer.load(TestModels.requireStories260K(), 1);
    }

    @FuzzTest(maxDuration = "10s")
    void aPromptsFile(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> {
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            for (String prompt : PromptInputs.parseJsonl(lines, "prompts.jsonl")) {
                tokenizer.decode(tokenizer.encode(prompt));
            }
        });
    }
}
