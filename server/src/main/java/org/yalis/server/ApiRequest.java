package org.yalis.server;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.yalis.engine.YalisException;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * The body of a {@code /v1/completions} or {@code /v1/chat/completions} request, checked field by field:
 * anything of the wrong type or out of range is an {@link ApiError} naming the field. Fields this server
 * does not implement are ignored when they ask for the default, and refused when they ask for more.
 *
 * @param promptIds    the prompt's token ids (for chat: the rendered conversation)
 * @param maxTokens    most tokens to generate
 * @param stop         strings that end the text where they begin (not included)
 * @param stream       answer as server-sent events
 * @param includeUsage with {@code stream}: a last chunk with the token counts ({@code stream_options.include_usage})
 */
record ApiRequest(int[] promptIds, int maxTokens, SamplingParams sampling, boolean ignoreEos, List<String> stop,
                  boolean stream, boolean includeUsage) {

    /** Most stop strings a request may give (OpenAI allows 4). */
    static final int MAX_STOP_STRINGS = 4;
    /** OpenAI's default max_tokens for text completions. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;

    /** What parsing needs to know about the served model. */
    record Model(String name, Tokenizer tokenizer, ChatTemplate chatTemplate, GenerationDefaults defaults,
                 int maxSequenceLength) {
    }

    static ApiRequest completion(JsonNode body, Model model, long randomSeed) {
        ObjectNode fields = object(body);
        checkModel(fields, model);
        JsonNode prompt = fields.get("prompt");
        int[] ids;
        if (prompt == null || prompt.isNull()) {
            throw ApiError.invalid("prompt", "'prompt' is required");
        } else if (prompt.isTextual()) {
            ids = encode(model, prompt.asText(), true);
        } else if (prompt.isArray() && !prompt.isEmpty() && allIntegers(prompt)) {
            ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = prompt.get(i).asInt();
            }
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            ids = encode(model, prompt.get(0).asText(), true);
        } else {
            throw ApiError.invalid("prompt", "'prompt' must be a string or a non-empty array of token ids (one prompt "
                    + "per request)");
        }
        return build(fields, ids, model, DEFAULT_COMPLETION_TOKENS, randomSeed);
    }

    static ApiRequest chat(JsonNode body, Model model, long randomSeed) {
        ObjectNode fields = object(body);
        checkModel(fields, model);
        if (model.chatTemplate() == null) {
            throw ApiError.invalid("messages", "the model has no chat template (tokenizer_config.json's chat_template "
                    + "or chat_template.jinja); use /v1/completions");
        }
        JsonNode messages = fields.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "'messages' must be a non-empty array of {\"role\", \"content\"}");
        }
        List<ChatTemplate.Message> conversation = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String where = "messages[" + i + "]";
            if (!message.isObject()) {
                throw ApiError.invalid(where, where + " must be an object with 'role' and 'content'");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || !List.of("system", "user", "assistant", "developer")
                    .contains(role.asText())) {
                throw ApiError.invalid(where + ".role", where + ".role must be one of system, developer, user, assistant");
            }
            conversation.add(new ChatTemplate.Message(role.asText().equals("developer") ? "system" : role.asText(),
                    content(message.get("content"), where + ".content")));
        }
        String text;
        try {
            text = model.chatTemplate().render(conversation, true);
        } catch (YalisException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        int[] ids = encode(model, text, false);
        return build(fields, ids, model, Integer.MAX_VALUE, randomSeed);
    }

    /** A message's content: a string, or an array of {"type": "text", "text": ...} parts. */
    private static String content(JsonNode content, String where) {
        if (content != null && content.isTextual()) {
            return content.asText();
        }
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(where, where + " parts must be {\"type\": \"text\", \"text\": ...} (this "
                            + "model reads text only)");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid(where, where + " must be a string or an array of text parts");
    }

    private static ApiRequest build(ObjectNode fields, int[] ids, Model model, int defaultMaxTokens, long randomSeed) {
        int room = model.maxSequenceLength() - ids.length;
        if (room < 1) {
            throw ApiError.invalid("prompt", "the prompt has " + ids.length + " tokens but this model's maximum context "
                    + "length is " + model.maxSequenceLength() + " tokens, leaving no room to generate; shorten it");
        }
        int maxTokens;
        String maxField = fields.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        JsonNode max = fields.get(maxField);
        if (max == null || max.isNull()) {
            maxTokens = Math.min(defaultMaxTokens, room);
        } else {
            maxTokens = integer(max, maxField, 1, Integer.MAX_VALUE);
            if (maxTokens > room) {
                throw ApiError.invalid(maxField, "this model's maximum context length is " + model.maxSequenceLength()
                        + " tokens; the prompt has " + ids.length + " and " + maxField + " asks for " + maxTokens
                        + " more; ask for at most " + room);
            }
        }
        int n = fields.has("n") && !fields.get("n").isNull() ? integer(fields.get("n"), "n", 1, Integer.MAX_VALUE) : 1;
        if (n != 1) {
            throw ApiError.invalid("n", "only n = 1 is served (one choice per request)");
        }
        if (fields.has("best_of") && !fields.get("best_of").isNull() && integer(fields.get("best_of"), "best_of", 1, 1) != 1) {
            throw ApiError.invalid("best_of", "only best_of = 1 is served");
        }
        if (fields.has("echo") && bool(fields.get("echo"), "echo")) {
            throw ApiError.invalid("echo", "echo is not served");
        }
        JsonNode logprobs = fields.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
            throw ApiError.invalid("logprobs", "logprobs are not served");
        }
        GenerationDefaults defaults = model.defaults();
        boolean hasTemperature = present(fields, "temperature");
        double temperature = hasTemperature ? number(fields.get("temperature"), "temperature", 0, 2)
                : defaults.temperature();
        // As generate does: a temperature given over a greedy generation_config samples without its filters.
        boolean modelFilters = !hasTemperature || defaults.doSample();
        double topP = present(fields, "top_p") ? number(fields.get("top_p"), "top_p", 0, 1)
                : modelFilters ? defaults.topP() : 1;
        if (topP == 0) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1]");
        }
        int topK = present(fields, "top_k") ? integer(fields.get("top_k"), "top_k", -1, Integer.MAX_VALUE)
                : modelFilters ? defaults.topK() : 0;
        long seed = present(fields, "seed") ? longInteger(fields.get("seed"), "seed") : randomSeed;
        boolean ignoreEos = present(fields, "ignore_eos") && bool(fields.get("ignore_eos"), "ignore_eos");
        boolean stream = present(fields, "stream") && bool(fields.get("stream"), "stream");
        boolean includeUsage = false;
        JsonNode streamOptions = fields.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            if (!stream) {
                throw ApiError.invalid("stream_options", "stream_options is only allowed with stream: true");
            }
            includeUsage = present(streamOptions, "include_usage")
                    && bool(streamOptions.get("include_usage"), "stream_options.include_usage");
        }
        return new ApiRequest(ids, maxTokens, new SamplingParams(temperature, Math.max(topK, 0), topP, seed), ignoreEos,
                stop(fields.get("stop")), stream, includeUsage);
    }

    private static List<String> stop(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return stop.asText().isEmpty() ? List.of() : List.of(stop.asText());
        }
        if (stop.isArray() && stop.size() <= MAX_STOP_STRINGS) {
            List<String> stops = new ArrayList<>();
            for (JsonNode item : stop) {
                if (!item.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOP_STRINGS
                            + " strings");
                }
                if (!item.asText().isEmpty()) {
                    stops.add(item.asText());
                }
            }
            return stops;
        }
        throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOP_STRINGS + " strings");
    }

    private static ObjectNode object(JsonNode body) {
        if (body instanceof ObjectNode fields) {
            return fields;
        }
        throw ApiError.invalid(null, "the body must be a JSON object");
    }

    private static void checkModel(ObjectNode fields, Model model) {
        JsonNode name = fields.get("model");
        if (name == null || name.isNull()) {
            return;   // as vLLM: the one model served
        }
        if (!name.isTextual()) {
            throw ApiError.invalid("model", "'model' must be a string");
        }
        if (!name.asText().equals(model.name())) {
            throw ApiError.notFound("model", "model_not_found", "the model '" + YalisException.quoted(name.asText(), 100)
                    + "' does not exist; this server serves '" + model.name() + "' (GET /v1/models)");
        }
    }

    private static int[] encode(Model model, String text, boolean addSpecialTokens) {
        int[] ids = model.tokenizer().encode(text, addSpecialTokens);
        if (ids.length == 0) {
            throw ApiError.invalid("prompt", "the prompt has no tokens (this tokenizer adds no BOS to an empty prompt)");
        }
        return ids;
    }

    private static boolean allIntegers(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.canConvertToInt() || !item.isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    private static boolean present(JsonNode fields, String name) {
        JsonNode value = fields.get(name);
        return value != null && !value.isNull();
    }

    private static int integer(JsonNode value, String field, int min, int max) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
            throw ApiError.invalid(field, field + " must be an integer" + range(min, max) + ", got "
                    + YalisException.quoted(value.toString(), 60));
        }
        return value.asInt();
    }

    private static long longInteger(JsonNode value, String field) {
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiError.invalid(field, field + " must be a 64-bit integer, got " + YalisException.quoted(value.toString(), 60));
        }
        return value.asLong();
    }

    private static double number(JsonNode value, String field, double min, double max) {
        if (!value.isNumber() || !(value.asDouble() >= min && value.asDouble() <= max)) {
            throw ApiError.invalid(field, field + " must be a number in [" + fmt(min) + ", " + fmt(max) + "], got "
                    + YalisException.quoted(value.toString(), 60));
        }
        return value.asDouble();
    }

    private static boolean bool(JsonNode value, String field) {
        if (!value.isBoolean()) {
            throw ApiError.invalid(field, field + " must be true or false, got " + YalisException.quoted(value.toString(), 60));
        }
        return value.asBoolean();
    }

    private static String range(int min, int max) {
        return max == Integer.MAX_VALUE ? " >= " + min : " in [" + min + ", " + max + "]";
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
