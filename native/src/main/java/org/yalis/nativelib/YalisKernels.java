package org.yalis.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CUDA kernels of {@code native/kernels} as this jar ships them: one fatbin (SASS for sm_80 and
 * sm_90, PTX for compute_90) and a manifest of kernel names. A build without nvcc ships neither;
 * {@link #fatbin()} is then empty. Load the bytes with {@code cuModuleLoadData} (copied into native
 * memory) and look kernels up by these names with {@code cuModuleGetFunction}; their parameters,
 * layouts and launch configurations are in {@code native/kernels/KERNELS.md} and {@link KernelLaunch}.
 */
public final class YalisKernels {
    public static final String FATBIN_RESOURCE = "org/yalis/nativelib/yalis_kernels.fatbin";
    public static final String MANIFEST_RESOURCE = "org/yalis/nativelib/yalis_kernels.manifest";

    public static final String ADD_BF16 = "yalis_add_bf16";
    public static final String ADD_RMSNORM_BF16 = "yalis_add_rmsnorm_bf16";
    public static final String ARGMAX_BF16 = "yalis_argmax_bf16";
    public static final String ARGMAX_F32 = "yalis_argmax_f32";
    public static final String CAST_BF16_TO_F32 = "yalis_cast_bf16_to_f32";
    public static final String CAST_F16_TO_BF16 = "yalis_cast_f16_to_bf16";
    public static final String CAST_F32_TO_BF16 = "yalis_cast_f32_to_bf16";
    public static final String COUNT_ABOVE_F32 = "yalis_count_above_f32";
    public static final String EMBEDDING_BF16 = "yalis_embedding_bf16";
    public static final String GATHER_ROWS = "yalis_gather_rows";
    public static final String KV_CACHE_WRITE_BF16 = "yalis_kv_cache_write_bf16";
    public static final String PAGED_ATTENTION_DECODE_BF16 = "yalis_paged_attention_decode_bf16";
    public static final String PAGED_ATTENTION_DECODE_REDUCE_BF16 = "yalis_paged_attention_decode_reduce_bf16";
    public static final String PAGED_ATTENTION_PREFILL_BF16 = "yalis_paged_attention_prefill_bf16";
    public static final String RMSNORM_BF16 = "yalis_rmsnorm_bf16";
    public static final String RMSNORM_FROM_SUM_OF_SQUARES_BF16 = "yalis_rmsnorm_from_sum_of_squares_bf16";
    public static final String ROPE_QK_BF16 = "yalis_rope_qk_bf16";
    public static final String ROW_MAX_SUMEXP_F32 = "yalis_row_max_sumexp_f32";
    public static final String SILU_MUL_BF16 = "yalis_silu_mul_bf16";
    public static final String SILU_MUL_FUSED_BF16 = "yalis_silu_mul_fused_bf16";
    public static final String SOFTMAX_F32 = "yalis_softmax_f32";
    public static final String SUM_OF_SQUARES_BF16 = "yalis_sum_of_squares_bf16";

    /** Every kernel name above, sorted. */
    public static final List<String> ALL = List.of(ADD_BF16, ADD_RMSNORM_BF16, ARGMAX_BF16, ARGMAX_F32,
            CAST_BF16_TO_F32, CAST_F16_TO_BF16, CAST_F32_TO_BF16, COUNT_ABOVE_F32, EMBEDDING_BF16, GATHER_ROWS,
            KV_CACHE_WRITE_BF16, PAGED_ATTENTION_DECODE_BF16, PAGED_ATTENTION_DECODE_REDUCE_BF16,
            PAGED_ATTENTION_PREFILL_BF16, RMSNORM_BF16, RMSNORM_FROM_SUM_OF_SQUARES_BF16, ROPE_QK_BF16,
            ROW_MAX_SUMEXP_F32, SILU_MUL_BF16, SILU_MUL_FUSED_BF16, SOFTMAX_F32, SUM_OF_SQUARES_BF16);

    private YalisKernels() {
    }

    /** The fatbin's bytes, or empty when this jar was built without nvcc. */
    public static Optional<byte[]> fatbin() {
        return read(FATBIN_RESOURCE);
    }

    /** The kernel names the manifest lists (empty without a fatbin). */
    public static List<String> manifest() {
        Optional<byte[]> bytes = read(MANIFEST_RESOURCE);
        List<String> names = new ArrayList<>();
        if (bytes.isEmpty()) {
            return names;
        }
        for (String line : new String(bytes.get(), StandardCharsets.UTF_8).split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                names.add(name);
            }
        }
        return names;
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = YalisKernels.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the resource " + resource, e);
        }
    }
}
