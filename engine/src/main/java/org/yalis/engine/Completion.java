package org.yalis.engine;

/** What a request produced. {@code generatedIds} excludes the prompt and includes a final EOS. */
public record Completion(int index, int[] promptIds, int[] generatedIds, FinishReason finishReason,
                         RequestMetrics metrics) {
}
