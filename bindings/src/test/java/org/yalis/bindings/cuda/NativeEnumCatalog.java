package org.yalis.bindings.cuda;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Which header each Java constant enum is checked against. */
final class NativeEnumCatalog {
    /** Enums of cuda_runtime_api.h, driver_types.h, library_types.h and cuda.h (installed with the toolkit). */
    static final List<Class<? extends NativeEnum>> CUDA_HEADERS = List.of(CudaError.class, CudaMemcpyKind.class,
            CudaDeviceAttribute.class, CudaStreamFlag.class, CudaEventFlag.class, CudaStreamCaptureMode.class,
            CudaStreamCaptureStatus.class, CudaGraphInstantiateFlag.class, CudaDataType.class, LibraryProperty.class,
            CuResult.class, CuDeviceAttribute.class, CuFunctionAttribute.class);
    /** Enums of cublas_api.h (shipped with cuBLAS, not with the CUDA runtime). */
    static final List<Class<? extends NativeEnum>> CUBLAS_HEADER = List.of(CublasStatus.class, CublasOperation.class,
            CublasComputeType.class, CublasGemmAlgo.class, CublasMath.class, CublasPointerMode.class);
    /** Enums of nccl.h. */
    static final List<Class<? extends NativeEnum>> NCCL_HEADER = List.of(NcclResult.class, NcclDataType.class,
            NcclRedOp.class);

    private NativeEnumCatalog() {
    }

    /** Every class of the bindings' cuda package that implements {@link NativeEnum}, from the compiled classes. */
    static List<Class<?>> allNativeEnumsInMainCode() throws IOException, URISyntaxException {
        Path classes = Path.of(NativeEnum.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path folder = classes.resolve(NativeEnum.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".class") && !name.contains("$"))
                    .<Class<?>>map(name -> load(NativeEnum.class.getPackageName() + "." + name.replace(".class", "")))
                    .filter(type -> type.isEnum() && NativeEnum.class.isAssignableFrom(type))
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, NativeEnumCatalog.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
