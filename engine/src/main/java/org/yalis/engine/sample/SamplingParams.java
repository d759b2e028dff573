package org.yalis.engine.sample;

import org.yalis.engine.YalisException;

/**
 * How to pick the next token: temperature 0 is greedy (argmax); otherwise softmax at
 * {@code temperature}, cut to the {@code topK} most likely tokens (0: no cut) and then to the
 * smallest set whose probability reaches {@code topP}, and drawn with Philox under {@code seed}.
 */
public record SamplingParams(double temperature, int topK, double topP, long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new YalisException("--temperature must be a finite number >= 0 (0 is greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new YalisException("--top-k must be >= 0 (0 keeps every token), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new YalisException("--top-p must be in (0, 1] (1 keeps every token), got " + topP);
        }
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
