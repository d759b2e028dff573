package org.yalis.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.Tokenizer;
import org.yalis.engine.testing.TestModels;

/** Request bodies as the server reads them: the defaults, the fields it serves, and the errors naming a field. */
class ApiRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Tokenizer tokenizer;
    private static ApiRequest.Model model;
    private static ApiRequest.Model chatModel;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestModels.requireStories260K(), 1);
        GenerationDefaults sampling = new GenerationDefaults(true, 0.8, 40, 0.9);
        model = new ApiRequest.Model("tiny", tokenizer, null, sampling, 64);
        chatModel = new ApiRequest.Model("tiny", tokenizer, ChatTemplate.of("{% for m in messages %}<{{ m['role'] }}>"
                + "{{ m['content'] }}{% endfor %}<assistant>", Map.of()), sampling, 64);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static JsonNode body(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void aCompletionTakesTheModelsSamplingUnlessTheRequestSetsItsOwn() throws Exception {
        ApiRequest defaults = ApiRequest.completion(body("{\"prompt\": \"Once upon a time\"}"), model, 7);
        assertArrayEquals(tokenizer.encode("Once upon a time"), defaults.promptIds());
        assertEquals(ApiRequest.DEFAULT_COMPLETION_TOKENS, defaults.maxTokens());
        assertEquals(0.8, defaults.sampling().temperature());
        assertEquals(40, defaults.sampling().topK());
        assertEquals(0.9, defaults.sampling().topP());
        assertEquals(7, defaults.sampling().seed(), "a request without a seed gets the server's random one");
        ApiRequest own = ApiRequest.completion(body("{\"prompt\": [1, 5, 9], \"max_tokens\": 3, \"temperature\": 0, "
                + "\"seed\": -4, \"stop\": [\"a\", \"\"], \"stream\": true, \"stream_options\": {\"include_usage\": true}, "
                + "\"ignore_eos\": true, \"model\": \"tiny\"}"), model, 7);
        assertArrayEquals(new int[] {1, 5, 9}, own.promptIds());
        assertEquals(3, own.maxTokens());
        assertTrue(own.sampling().isGreedy());
        assertEquals(-4, own.sampling().seed());
        assertEquals(List.of("a"), own.stop(), "an empty stop string stops nothing");
        assertTrue(own.stream() && own.includeUsage() && own.ignoreEos());
    }

    @Test
    void aChatIsRenderedByTheTemplateAndMayRunToTheContext() throws Exception {
        ApiRequest chat = ApiRequest.chat(body("{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, "
                + "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}]}]}"), chatModel, 1);
        assertArrayEquals(tokenizer.encode("<system>be brief<user>hi<assistant>", false), chat.promptIds());
        assertEquals(64 - chat.promptIds().length, chat.maxTokens(), "chat's default: up to the context");
    }

    @Test
    void badFieldsAreNamed() throws Exception {
        String[][] cases = {
                {"{\"prompt\": \"x\", \"max_tokens\": 64}", "max_tokens", "400"},
                {"{\"prompt\": \"x\", \"max_completion_tokens\": \"a\"}", "max_completion_tokens", "400"},
                {"{\"prompt\": \"x\", \"top_k\": -2}", "top_k", "400"},
                {"{\"prompt\": \"x\", \"best_of\": 2}", "best_of", "400"},
                {"{\"prompt\": \"x\", \"echo\": true}", "echo", "400"},
                {"{\"prompt\": \"x\", \"ignore_eos\": 1}", "ignore_eos", "400"},
                {"{\"prompt\": \"x\", \"stream\": true, \"stream_options\": []}", "stream_options", "400"},
                {"{\"prompt\": \"x\", \"model\": \"other\"}", "model", "404"},
                {"{\"prompt\": \"" + "word ".repeat(80) + "\"}", "prompt", "400"},
        };
        for (String[] test : cases) {
            ApiError error = assertThrows(ApiError.class, () -> ApiRequest.completion(body(test[0]), model, 1), test[0]);
            assertEquals(Integer.parseInt(test[2]), error.status(), test[0]);
            assertEquals(test[1], ((Map<?, ?>) error.body().get("error")).get("param"), test[0]);
        }
        ApiError noTemplate = assertThrows(ApiError.class, () -> ApiRequest.chat(body("{\"messages\": [{\"role\": "
                + "\"user\", \"content\": \"hi\"}]}"), model, 1));
        assertEquals("messages", ((Map<?, ?>) noTemplate.body().get("error")).get("param"));
        ApiError image = assertThrows(ApiError.class, () -> ApiRequest.chat(body("{\"messages\": [{\"role\": \"user\", "
                + "\"content\": [{\"type\": \"image_url\"}]}]}"), chatModel, 1));
        assertEquals("messages[0].content", ((Map<?, ?>) image.body().get("error")).get("param"));
    }
}
