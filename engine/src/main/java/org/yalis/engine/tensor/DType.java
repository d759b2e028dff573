package org.yalis.engine.tensor;

import java.util.Arrays;
import java.util.Optional;

/** Element types of tensors: the three weight types the engine computes on, and indices. */
public enum DType {
    F32("F32", 4),
    BF16("BF16", 2),
    F16("F16", 2),
    I32("I32", 4);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public boolean isFloat() {
        return this != I32;
    }

    public static Optional<DType> fromSafetensors(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName.equals(name)).findFirst();
    }

    /** Parses a user-facing name: f32, float32, bf16, bfloat16, f16, float16. */
    public static Optional<DType> parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "fp32" -> Optional.of(F32);
            case "bf16", "bfloat16" -> Optional.of(BF16);
            case "f16", "float16", "fp16", "half" -> Optional.of(F16);
            default -> Optional.empty();
        };
    }
}
