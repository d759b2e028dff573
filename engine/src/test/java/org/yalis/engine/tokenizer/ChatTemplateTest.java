package org.yalis.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;

class ChatTemplateTest {
    /** Meta Llama 3 Instruct's template, as its tokenizer_config.json ships it. */
    private static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ "
            + "message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
            + "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /** TinyLlama / Zephyr's template: newlines between block tags vanish under trim_blocks. */
    private static final String ZEPHYR = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
            + "{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n"
            + "{{ '<|system|>\n' + message['content'] + eos_token }}\n{% endif %}\n"
            + "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    @Test
    void rendersTheLlama3ChatFormat() {
        ChatTemplate template = ChatTemplate.of(LLAMA3, Map.of("bos_token", "<|begin_of_text|>"));
        String prompt = template.render(List.of(new ChatTemplate.Message("system", "Be brief."),
                new ChatTemplate.Message("user", "  Hi there \n")), true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
    }

    @Test
    void rendersWithTrimBlocksLikeTransformers() {
        ChatTemplate template = ChatTemplate.of(ZEPHYR, Map.of("eos_token", "</s>"));
        assertEquals("<|system|>\nBe kind.</s>\n<|user|>\nHello</s>\n<|assistant|>\n",
                template.render(List.of(new ChatTemplate.Message("system", "Be kind."),
                        new ChatTemplate.Message("user", "Hello")), true));
    }

    @Test
    void raiseExceptionBecomesAClearError() {
        ChatTemplate template = ChatTemplate.of("{% if messages[0]['role'] != 'user' %}"
                + "{{ raise_exception('Conversation roles must start with user') }}{% endif %}ok", Map.of());
        YalisException error = assertThrows(YalisException.class,
                () -> template.render(List.of(new ChatTemplate.Message("system", "x")), true));
        assertTrue(error.getMessage().contains("Conversation roles must start with user"), error.getMessage());
        assertEquals("ok", template.render(List.of(new ChatTemplate.Message("user", "x")), true));
    }

    @Test
    void loadsTheTemplateAndTokensFromTokenizerConfig(@TempDir Path folder) throws IOException {
        new ObjectMapper().writeValue(folder.resolve("tokenizer_config.json").toFile(), Map.of(
                "chat_template", LLAMA3, "bos_token", Map.of("content", "<|begin_of_text|>")));
        String prompt = ChatTemplate.load(folder).orElseThrow()
                .render(List.of(new ChatTemplate.Message("user", "Hi")), false);
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", prompt);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{}");
        assertTrue(ChatTemplate.load(folder).isEmpty());
    }

    @Test
    void strftimeNowFormatsTheCommonFields() {
        String date = ChatTemplate.strftimeNow("%d %b %Y");
        assertTrue(date.matches("\\d\\d [A-Z][a-z]{2} \\d{4}"), date);
    }
}
