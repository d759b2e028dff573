package org.yalis.bindings.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.cuda.CProbe;

/** The oneDNN 2.x sizes and constants the binding hard-codes, against what gcc sees in the installed header. */
class DnnlHeaderAbiTest {
    private static final Path INCLUDE = Path.of("/usr/include");

    @Test
    void sizesAndConstantsMatchTheHeader(@TempDir Path work) throws Exception {
        Path gcc = CProbe.requireGcc();
        CProbe.requireHeader(INCLUDE, "oneapi/dnnl/dnnl.h");
        Map<String, String> expressions = new LinkedHashMap<>();
        expressions.put("MEMORY_DESC_BYTES", "sizeof(dnnl_memory_desc_t)");
        expressions.put("MATMUL_DESC_BYTES", "sizeof(dnnl_matmul_desc_t)");
        expressions.put("MAX_DIMS", "DNNL_MAX_NDIMS");
        expressions.put("ENGINE_CPU", "dnnl_cpu");
        expressions.put("SCRATCHPAD_USER", "dnnl_scratchpad_mode_user");
        expressions.put("QUERY_IMPL_INFO_STR", "dnnl_query_impl_info_str");
        expressions.put("QUERY_SCRATCHPAD_MD", "dnnl_query_scratchpad_md");
        expressions.put("ARG_SRC", "DNNL_ARG_SRC");
        expressions.put("ARG_WEIGHTS", "DNNL_ARG_WEIGHTS");
        expressions.put("ARG_DST", "DNNL_ARG_DST");
        expressions.put("ARG_SCRATCHPAD", "DNNL_ARG_SCRATCHPAD");
        expressions.put("RUNTIME_SEQ", "DNNL_RUNTIME_SEQ");
        expressions.put("RUNTIME_OMP", "DNNL_RUNTIME_OMP");
        expressions.put("F32", "dnnl_f32");
        expressions.put("BF16", "dnnl_bf16");
        expressions.put("EXEC_ARG_BYTES", "sizeof(dnnl_exec_arg_t)");
        expressions.put("VERSION_CPU_RUNTIME_OFFSET", "offsetof(dnnl_version_t, cpu_runtime)");
        expressions.put("API_MAJOR", "DNNL_VERSION_MAJOR");
        Map<String, Long> header = CProbe.evaluate(gcc, work, List.of(INCLUDE), List.of("oneapi/dnnl/dnnl.h"),
                expressions);
        assertEquals(2, header.get("API_MAJOR"), "the binding is for the 2.x API");
        assertEquals(Dnnl.MEMORY_DESC_BYTES, header.get("MEMORY_DESC_BYTES"));
        assertEquals(Dnnl.MATMUL_DESC_BYTES, header.get("MATMUL_DESC_BYTES"));
        assertEquals(Dnnl.MAX_DIMS, header.get("MAX_DIMS"));
        assertEquals(Dnnl.ENGINE_CPU, header.get("ENGINE_CPU"));
        assertEquals(Dnnl.SCRATCHPAD_USER, header.get("SCRATCHPAD_USER"));
        assertEquals(Dnnl.QUERY_IMPL_INFO_STR, header.get("QUERY_IMPL_INFO_STR"));
        assertEquals(Dnnl.QUERY_SCRATCHPAD_MD, header.get("QUERY_SCRATCHPAD_MD"));
        assertEquals(Dnnl.ARG_SRC, header.get("ARG_SRC"));
        assertEquals(Dnnl.ARG_WEIGHTS, header.get("ARG_WEIGHTS"));
        assertEquals(Dnnl.ARG_DST, header.get("ARG_DST"));
        assertEquals(Dnnl.ARG_SCRATCHPAD, header.get("ARG_SCRATCHPAD"));
        assertEquals(Dnnl.RUNTIME_SEQ, header.get("RUNTIME_SEQ"));
        assertEquals(Dnnl.RUNTIME_OMP, header.get("RUNTIME_OMP"));
        assertEquals(DnnlMatmul.DataType.F32.code, header.get("F32"));
        assertEquals(DnnlMatmul.DataType.BF16.code, header.get("BF16"));
        assertEquals(16, header.get("EXEC_ARG_BYTES"));
        assertEquals(24, header.get("VERSION_CPU_RUNTIME_OFFSET"));
    }
}
