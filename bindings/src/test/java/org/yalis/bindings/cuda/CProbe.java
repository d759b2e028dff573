package org.yalis.bindings.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Compiles and runs a C program that prints C expressions (enum values, sizeof, macros) from
 * real headers, so tests compare the Java constants with what the C compiler sees.
 */
public final class CProbe {
    private CProbe() {
    }

    /** gcc on PATH, or the test is skipped with a printed reason. */
    public static Path requireGcc() {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path gcc = Path.of(folder, "gcc");
            if (Files.isExecutable(gcc)) {
                return gcc;
            }
        }
        return skip("no gcc on PATH to compile the ABI probe");
    }

    /** {@code header} inside {@code includeDir}, or the test is skipped with a printed reason. */
    public static void requireHeader(Path includeDir, String header) {
        if (!Files.isRegularFile(includeDir.resolve(header))) {
            skip("no " + header + " in " + includeDir + " to probe");
        }
    }

    public static <T> T skip(String reason) {
        System.err.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    /**
     * The value of each expression, compiled with {@code headers} from {@code includeDirs}.
     *
     * @param expressions label to C expression (cast to {@code long long} for printing)
     */
    public static Map<String, Long> evaluate(Path gcc, Path workDir, List<Path> includeDirs, List<String> headers,
            Map<String, String> expressions) throws IOException, InterruptedException {
        StringBuilder program = new StringBuilder("#include <stdio.h>\n#include <stdint.h>\n#include <stddef.h>\n");
        for (String header : headers) {
            program.append("#include <").append(header).append(">\n");
        }
        program.append("int main(void) {\n");
        for (Map.Entry<String, String> entry : expressions.entrySet()) {
            program.append("    printf(\"%s=%lld\\n\", \"").append(entry.getKey()).append("\", (long long)(")
                    .append(entry.getValue()).append("));\n");
        }
        program.append("    return 0;\n}\n");
        Path source = workDir.resolve("abi_probe.c");
        Path binary = workDir.resolve("abi_probe");
        Files.writeString(source, program);
        List<String> compile = new ArrayList<>(List.of(gcc.toString(), "-std=c11", "-Wall"));
        for (Path include : includeDirs) {
            compile.add("-I" + include);
        }
        compile.addAll(List.of("-o", binary.toString(), source.toString()));
        String compilerOutput = run(compile);
        String output = run(List.of(binary.toString()));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            int equals = line.lastIndexOf('=');
            values.put(line.substring(0, equals), Long.parseLong(line.substring(equals + 1)));
        }
        if (!values.keySet().equals(expressions.keySet())) {
            throw new AssertionError("probe printed " + values.keySet() + "\ncompiler said: " + compilerOutput);
        }
        return values;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + output);
        }
        return output;
    }

    /** label = expression = C name of every constant of these enums. */
    @SafeVarargs
    static Map<String, String> enumExpressions(Class<? extends NativeEnum>... enums) {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Class<? extends NativeEnum> type : enums) {
            for (NativeEnum constant : type.getEnumConstants()) {
                expressions.put(constant.cName(), constant.cName());
            }
        }
        return expressions;
    }

    /** The values Java holds for the same labels as {@link #enumExpressions}. */
    @SafeVarargs
    static Map<String, Long> enumValues(Class<? extends NativeEnum>... enums) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Class<? extends NativeEnum> type : enums) {
            for (NativeEnum constant : type.getEnumConstants()) {
                values.put(constant.cName(), (long) constant.value());
            }
        }
        return values;
    }

    /** "sizeof(T)" labels for each C type, with the byte size of the layout Java binds it as. */
    static Map<String, Long> layoutSizes(Map<String, java.lang.foreign.MemoryLayout> types) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        types.forEach((type, layout) -> sizes.put("sizeof(" + type + ")", layout.byteSize()));
        return sizes;
    }

    static Map<String, String> sizeofExpressions(Map<String, java.lang.foreign.MemoryLayout> types) {
        Map<String, String> expressions = new LinkedHashMap<>();
        types.keySet().forEach(type -> expressions.put("sizeof(" + type + ")", "sizeof(" + type + ")"));
        return expressions;
    }

    /** The mismatches between two maps with the same keys, one per line, or empty. */
    static String differences(Map<String, Long> expected, Map<String, Long> actual) {
        StringBuilder differences = new StringBuilder();
        expected.forEach((label, value) -> {
            Long other = actual.get(label);
            if (!value.equals(other)) {
                differences.append(label).append(": Java has ").append(value).append(", C has ").append(other)
                        .append('\n');
            }
        });
        return differences.toString();
    }

    static Optional<Path> firstExisting(List<Path> candidates) {
        return candidates.stream().filter(Files::isDirectory).findFirst();
    }
}
