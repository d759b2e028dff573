package org.yalis.bindings.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The test kernel shipped as a resource: {@code scale_add_index.cu} and the PTX nvcc made of it. */
final class TestKernels {
    static final String KERNEL = "scale_add_index";

    private TestKernels() {
    }

    static String resource(String name) throws IOException {
        try (InputStream in = TestKernels.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String ptx() throws IOException {
        return resource(KERNEL + ".ptx");
    }
}
