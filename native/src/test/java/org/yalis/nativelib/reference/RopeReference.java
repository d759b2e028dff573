package org.yalis.nativelib.reference;

/**
 * Reference of {@code yalis_rope_qk_bf16} (bit-exact): Hugging Face's "rotate half" RoPE as
 * CpuBackend.rope computes it, on bf16 values. For each head and {@code j < headDim/2}, with
 * {@code c = cos[p*half + j]}, {@code s = sin[p*half + j]}: {@code x[j] = x[j]*c - x[j+half]*s} and
 * {@code x[j+half] = x[j+half]*c + x[j]*s}, in f32 with each product rounded (no fused multiply-add),
 * then rounded to bf16. A position outside {@code [0, maxPositions)} gives bf16 NaN (0xFFFF).
 */
public final class RopeReference {
    private RopeReference() {
    }

    /**
     * Rotates {@code heads} heads of every row in place: row {@code t}'s heads start at
     * {@code t * rowStride + offset} in {@code x} (offset lets q and k be column ranges of one matrix).
     */
    public static void rope(short[] x, int rows, long rowStride, int offset, int heads, int headDim, int[] positions,
                            float[] cos, float[] sin, int maxPositions) {
        int half = headDim / 2;
        for (int t = 0; t < rows; t++) {
            int p = positions[t];
            boolean valid = p >= 0 && p < maxPositions;
            for (int h = 0; h < heads; h++) {
                int head = Math.toIntExact(t * rowStride + offset + (long) h * headDim);
                for (int j = 0; j < half; j++) {
                    if (!valid) {
                        x[head + j] = Bf16.POISON;
                        x[head + j + half] = Bf16.POISON;
                        continue;
                    }
                    float c = cos[p * half + j];
                    float s = sin[p * half + j];
                    float first = Bf16.toFloat(x[head + j]);
                    float second = Bf16.toFloat(x[head + j + half]);
                    x[head + j] = Bf16.fromFloat(first * c - second * s);
                    x[head + j + half] = Bf16.fromFloat(second * c + first * s);
                }
            }
        }
    }
}
