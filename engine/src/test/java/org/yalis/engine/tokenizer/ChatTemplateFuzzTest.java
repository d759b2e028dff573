package org.yalis.engine.tokenizer;

import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.yalis.engine.UserFiles;
import org.yalis.engine.testing.FuzzChecks;

/**
 * Fuzz target of tokenizer_config.json and its chat template: the config parsed, and its template (any
 * Jinja text the config holds) rendered over a conversation.
 */
class ChatTemplateFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void aTokenizerConfigAndItsChatTemplate(byte[] config) {
        String system = "You are terse.";
        String user = "Hi {{ there }} {% raw %}";
        FuzzChecks.acceptedOrRefusedInOneLine(() -> ChatTemplate.fromConfig(
                        UserFiles.parseJson(config, "tokenizer_config.json", "fix or delete it"), () -> null)
                .ifPresent(template -> template.render(List.of(new ChatTemplate.Message("system", system),
                        new ChatTemplate.Message("user", user)), true)));
    }
}
