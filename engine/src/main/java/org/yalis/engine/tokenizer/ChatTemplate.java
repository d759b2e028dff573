package org.yalis.engine.tokenizer;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * A model's chat template ({@code chat_template} in {@code tokenizer_config.json}), rendered with
 * Jinjava the way transformers' {@code apply_chat_template} renders it: {@code trim_blocks} and
 * {@code lstrip_blocks} on, {@code messages}, {@code add_generation_prompt}, the special token
 * strings, and the helpers templates call ({@code raise_exception}, {@code strftime_now}).
 */
public final class ChatTemplate {

    /** One chat turn. */
    public record Message(String role, String content) {
    }

    /** Jinjava wraps what a template function throws; the message of raise_exception is kept here. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String template;
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    private ChatTemplate(String template, Map<String, Object> specialTokens) {
        this.template = template;
        this.specialTokens = specialTokens;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        register("raise_exception", "raiseException");
        register("strftime_now", "strftimeNow");
    }

    private void register(String name, String method) {
        try {
            Method target = ChatTemplate.class.getMethod(method, String.class);
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", name, target));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The template of the model in {@code folder}, if its tokenizer_config.json has one. */
    public static Optional<ChatTemplate> load(Path folder) {
        Path config = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        JsonNode json = UserFiles.readJson(config, "tokenizer config", "fix or delete it");
        Path jinja = folder.resolve("chat_template.jinja");
        return fromConfig(json, () -> Files.isRegularFile(jinja)
                ? new String(UserFiles.read(jinja, "chat template"), java.nio.charset.StandardCharsets.UTF_8) : null);
    }

    /**
     * The template a tokenizer_config.json holds (a string, or the one named "default" of a list), else
     * the one {@code separateFile} supplies (chat_template.jinja; null when there is none), with the special
     * tokens the config names. {@code json} may be anything a JSON file parses to, null included.
     */
    static Optional<ChatTemplate> fromConfig(JsonNode json, java.util.function.Supplier<String> separateFile) {
        JsonNode node = json == null ? null : json.get("chat_template");
        String template = null;
        if (node != null && node.isTextual()) {
            template = node.asText();
        } else if (node != null && node.isArray()) {
            // Several named templates: transformers uses the one called "default".
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    template = named.path("template").asText();
                }
            }
        }
        if (template == null) {
            template = separateFile.get();
            if (template == null) {
                return Optional.empty();
            }
        }
        Map<String, Object> tokens = new HashMap<>();
        for (String name : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
            JsonNode token = json == null ? null : json.get(name);
            if (token != null && token.isTextual()) {
                tokens.put(name, token.asText());
            } else if (token != null && token.path("content").isTextual()) {
                tokens.put(name, token.path("content").asText());
            }
        }
        return Optional.of(new ChatTemplate(template, tokens));
    }

    public static ChatTemplate of(String template, Map<String, Object> specialTokens) {
        return new ChatTemplate(template, Map.copyOf(specialTokens));
    }

    /** The prompt text for {@code messages}, ending with the assistant's turn header when asked. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (Message message : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", message.role());
            turn.put("content", message.content());
            turns.add(turn);
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        RAISED.remove();
        RenderResult result = jinjava.renderForResult(template, context);
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new YalisException("the model's chat template refused the conversation: "
                    + YalisException.quoted(raised, 400));
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new YalisException("the model's chat template failed to render: "
                        + YalisException.quoted(error.getMessage(), 400)
                        + "; run without --chat and write the prompt in the model's format yourself");
            }
        }
        return result.getOutput();
    }

    /** {@code raise_exception(message)}: templates call it to refuse a conversation they cannot format. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new YalisException("the model's chat template refused the conversation: " + message);
    }

    /** {@code strftime_now(format)}: today's date in a Python strftime format (the common fields). */
    public static String strftimeNow(String format) {
        LocalDate today = LocalDate.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char field = format.charAt(++i);
            out.append(switch (field) {
                case 'd' -> String.format(Locale.ROOT, "%02d", today.getDayOfMonth());
                case 'm' -> String.format(Locale.ROOT, "%02d", today.getMonthValue());
                case 'Y' -> String.valueOf(today.getYear());
                case 'y' -> String.format(Locale.ROOT, "%02d", today.getYear() % 100);
                case 'b' -> today.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
                case 'B' -> today.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
                case 'A' -> today.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
                case 'a' -> today.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
                case '%' -> "%";
                default -> "%" + field;
            });
        }
        return out.toString();
    }
}
