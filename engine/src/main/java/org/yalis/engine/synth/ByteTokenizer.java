package org.yalis.engine.synth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A working Hugging Face {@code tokenizer.json} for synthetic models: Llama-2 style BPE with no
 * merges and byte fallback, so every UTF-8 byte of any text becomes one {@code <0xNN>} token.
 * Ids 0-2 are {@code <unk> <s> </s>}, 3-258 the bytes, and the rest of the vocabulary is filled
 * with {@code <extra_N>} tokens so the ids cover the model's {@code vocab_size}.
 */
public final class ByteTokenizer {
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** unk, bos, eos and 256 bytes. */
    public static final int MIN_VOCAB = 259;

    private ByteTokenizer() {
    }

    public static String json(int vocabSize) {
        if (vocabSize < MIN_VOCAB) {
            throw new IllegalArgumentException("a byte tokenizer needs a vocabulary of at least " + MIN_VOCAB);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("<unk>", 0);
        vocab.put("<s>", BOS);
        vocab.put("</s>", EOS);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format(Locale.ROOT, "<0x%02X>", b), 3 + b);
        }
        for (int id = MIN_VOCAB; id < vocabSize; id++) {
            vocab.put("<extra_" + id + ">", id);
        }
        List<Map<String, Object>> added = new ArrayList<>();
        for (String special : new String[] {"<unk>", "<s>", "</s>"}) {
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("id", vocab.get(special));
            token.put("content", special);
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
            added.add(token);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("vocab", vocab);
        model.put("merges", List.of());

        Map<String, Object> bos = Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0));
        Map<String, Object> postProcessor = new LinkedHashMap<>();
        postProcessor.put("type", "TemplateProcessing");
        postProcessor.put("single", List.of(bos, Map.of("Sequence", Map.of("id", "A", "type_id", 0))));
        postProcessor.put("pair", List.of(bos, Map.of("Sequence", Map.of("id", "A", "type_id", 0)),
                Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 1)),
                Map.of("Sequence", Map.of("id", "B", "type_id", 1))));
        postProcessor.put("special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(BOS),
                "tokens", List.of("<s>"))));

        Map<String, Object> tokenizer = new LinkedHashMap<>();
        tokenizer.put("version", "1.0");
        tokenizer.put("truncation", null);
        tokenizer.put("padding", null);
        tokenizer.put("added_tokens", added);
        tokenizer.put("normalizer", null);
        tokenizer.put("pre_tokenizer", null);
        tokenizer.put("post_processor", postProcessor);
        tokenizer.put("decoder", Map.of("type", "Sequence",
                "decoders", List.of(Map.of("type", "ByteFallback"), Map.of("type", "Fuse"))));
        tokenizer.put("model", model);
        try {
            return new ObjectMapper().writeValueAsString(tokenizer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
