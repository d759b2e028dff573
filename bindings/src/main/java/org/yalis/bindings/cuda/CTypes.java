package org.yalis.bindings.cuda;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The FFM layout each C type of the CUDA, cuBLAS and NCCL APIs is bound as. The bindings build
 * their function descriptors from these, and the ABI tests compare each one's size with
 * {@code sizeof} of the C type compiled against the real headers.
 */
final class CTypes {
    /** {@code int}, {@code unsigned int} and every C enum here ({@code cudaError_t}, {@code CUresult}, ...). */
    static final ValueLayout.OfInt C_INT = JAVA_INT;
    static final ValueLayout.OfLong SIZE_T = JAVA_LONG;
    static final ValueLayout.OfLong UNSIGNED_LONG_LONG = JAVA_LONG;
    /** The driver API's device pointer is an integer ({@code unsigned long long}), not a C pointer. */
    static final ValueLayout.OfLong CU_DEVICEPTR = JAVA_LONG;
    static final ValueLayout.OfInt CU_DEVICE = JAVA_INT;
    /** Opaque handles (streams, events, contexts, modules, cuBLAS handles, communicators) and {@code void*}. */
    static final AddressLayout POINTER = ADDRESS;
    /** {@code ncclUniqueId}, passed by value to {@code ncclCommInitRank}. */
    static final StructLayout NCCL_UNIQUE_ID =
            MemoryLayout.structLayout(MemoryLayout.sequenceLayout(NcclUniqueId.BYTES, JAVA_BYTE)).withName("ncclUniqueId");

    private CTypes() {
    }

    /** C type name to the layout bound for it: types of cuda_runtime_api.h, cuda.h and library_types.h. */
    static Map<String, MemoryLayout> cudaHeaderTypes() {
        Map<String, MemoryLayout> types = new LinkedHashMap<>();
        types.put("int", C_INT);
        types.put("unsigned int", C_INT);
        types.put("size_t", SIZE_T);
        types.put("unsigned long long", UNSIGNED_LONG_LONG);
        types.put("void*", POINTER);
        types.put("cudaError_t", C_INT);
        types.put("enum cudaDeviceAttr", C_INT);
        types.put("enum cudaMemcpyKind", C_INT);
        types.put("enum cudaStreamCaptureMode", C_INT);
        types.put("enum cudaStreamCaptureStatus", C_INT);
        types.put("cudaDataType", C_INT);
        types.put("libraryPropertyType", C_INT);
        types.put("cudaStream_t", POINTER);
        types.put("cudaEvent_t", POINTER);
        types.put("cudaGraph_t", POINTER);
        types.put("cudaGraphExec_t", POINTER);
        types.put("CUresult", C_INT);
        types.put("CUdevice", CU_DEVICE);
        types.put("CUdeviceptr", CU_DEVICEPTR);
        types.put("CUdevice_attribute", C_INT);
        types.put("CUfunction_attribute", C_INT);
        types.put("CUcontext", POINTER);
        types.put("CUmodule", POINTER);
        types.put("CUfunction", POINTER);
        types.put("CUstream", POINTER);
        return types;
    }

    /** Types of cublas_api.h. */
    static Map<String, MemoryLayout> cublasHeaderTypes() {
        Map<String, MemoryLayout> types = new LinkedHashMap<>();
        types.put("cublasStatus_t", C_INT);
        types.put("cublasOperation_t", C_INT);
        types.put("cublasComputeType_t", C_INT);
        types.put("cublasGemmAlgo_t", C_INT);
        types.put("cublasMath_t", C_INT);
        types.put("cublasPointerMode_t", C_INT);
        types.put("cublasHandle_t", POINTER);
        return types;
    }

    /** Types of nccl.h. */
    static Map<String, MemoryLayout> ncclHeaderTypes() {
        Map<String, MemoryLayout> types = new LinkedHashMap<>();
        types.put("ncclResult_t", C_INT);
        types.put("ncclDataType_t", C_INT);
        types.put("ncclRedOp_t", C_INT);
        types.put("ncclComm_t", POINTER);
        types.put("ncclUniqueId", NCCL_UNIQUE_ID);
        return types;
    }
}
