package org.yalis.engine.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * A model's Hugging Face fast tokenizer ({@code tokenizer.json}) through DJL's binding of the Rust
 * {@code tokenizers} library, with {@code tokenizer_config.json}'s {@code add_bos_token} applied the
 * way transformers' {@code LlamaTokenizerFast} applies it. Offline: nothing is downloaded.
 */
public final class Tokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Integer bosId;
    /** From tokenizer_config.json: null leaves BOS to tokenizer.json's post-processor. */
    private final Boolean addBos;

    private Tokenizer(HuggingFaceTokenizer tokenizer, Integer bosId, Boolean addBos) {
        this.tokenizer = tokenizer;
        this.bosId = bosId;
        this.addBos = addBos;
    }

    /**
     * Loads {@code folder/tokenizer.json}; {@code bosTokenId} is config.json's (it may be null).
     */
    public static Tokenizer load(Path folder, Integer bosTokenId) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Path file = folder.resolve("tokenizer.json");
        Boolean addBos = null;
        Path config = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode json = UserFiles.readJson(config, "tokenizer config", "fix or delete it");
            if (json != null && json.path("add_bos_token").isBoolean()) {
                addBos = json.get("add_bos_token").asBoolean();
            }
        }
        // Truncation off: a prompt longer than the context must be an error, never silently cut.
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false",
                "padding", "false", "maxLength", "-1");
        // Read here first: a file that cannot be read is said so, not called a bad tokenizer.
        byte[] bytes = UserFiles.read(file, "tokenizer");
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            return new Tokenizer(HuggingFaceTokenizer.newInstance(in, options), bosTokenId, addBos);
        } catch (IOException | RuntimeException e) {
            throw new YalisException("cannot load tokenizer " + file + ": " + oneLine(e.getMessage())
                    + "; it must be a Hugging Face tokenizer.json (fast tokenizer)");
        } catch (UnsatisfiedLinkError e) {
            throw new YalisException("DJL's tokenizers native library failed to load (" + oneLine(e.getMessage())
                    + "); check that the tokenizers jar is intact and ~/.djl.ai is writable");
        }
    }

    /** Token ids of {@code text} with the special tokens the model expects (BOS for Llama). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Token ids of {@code text}; without special tokens for text that already carries them, such as a
     * rendered chat template (transformers encodes those with {@code add_special_tokens=False}).
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        if (!addSpecialTokens) {
            return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
        }
        int[] result = Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
        if (bosId != null && addBos != null) {
            boolean hasBos = result.length > 0 && result[0] == bosId;
            if (addBos && !hasBos) {
                int[] withBos = new int[result.length + 1];
                withBos[0] = bosId;
                System.arraycopy(result, 0, withBos, 1, result.length);
                result = withBos;
            } else if (!addBos && hasBos) {
                result = Arrays.copyOfRange(result, 1, result.length);
            }
        }
        return result;
    }

    /** The text of {@code ids}, special tokens left out. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), true);
    }

    /**
     * The text that {@code generated} adds after {@code prompt}. Decoding the generated ids alone
     * would lose context-dependent details (SentencePiece drops the leading space of a first
     * token), so this decodes prompt and continuation together and cuts off the prompt's text.
     */
    public String continuation(int[] prompt, int[] generated) {
        String before = decode(prompt);
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        String whole = decode(all);
        return whole.startsWith(before) ? whole.substring(before.length()) : decode(generated);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }
}
