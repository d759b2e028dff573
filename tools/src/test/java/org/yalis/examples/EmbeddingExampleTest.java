package org.yalis.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.engine.testing.TestModels;

/** The example of docs/java-api.md runs, prints what the doc says, and is the code the doc shows. */
class EmbeddingExampleTest {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();

    @Test
    void theExampleRunsAndCancelsItsSecondRequest() {
        Path model = TestModels.requireStories260K();
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            EmbeddingExample.main(new String[] {model.toString()});
        } finally {
            System.setOut(before);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("stop after ") || lines.get(0).startsWith("length after 64 tokens"),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("cancelled after 10 tokens: "), lines.get(1));
    }

    @Test
    void theDocShowsThisVeryCode() throws Exception {
        String doc = Files.readString(PROJECT.resolve("docs/java-api.md"));
        String source = Files.readString(PROJECT.resolve(
                "tools/src/test/java/org/yalis/examples/EmbeddingExample.java"));
        String body = source.substring(source.indexOf("    public static void main"), source.lastIndexOf("}"));
        assertTrue(doc.contains(body.stripTrailing()), "docs/java-api.md carries EmbeddingExample's main as it is");
    }
}
