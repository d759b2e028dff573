package org.yalis.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the CPU backend stores the weights of the linear layers ({@code --quantize}). */
public enum Quantization {
    /** As the checkpoint has them (f32, bf16 or f16). */
    NONE("none"),
    /**
     * Blocks of 32 int8 values with one f16 scale each (llama.cpp's Q8_0), quantized at load; 1.0625
     * bytes per weight.
     */
    Q8("q8");

    private final String cliName;

    Quantization(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static Quantization parse(String name) {
        for (Quantization quantization : values()) {
            if (quantization.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return quantization;
            }
        }
        throw new YalisException("unknown --quantize '" + name + "': use " + Arrays.stream(values())
                .map(Quantization::cliName).collect(Collectors.joining(" or ")));
    }
}
