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

/** docs/java-api.md's online example runs, stops each request at its stop string, and is the code shown. */
class OnlineExampleTest {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();

    @Test
    void theExampleStreamsTwoRequestsToTheirStopStrings() throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            OnlineExample.main(new String[] {TestModels.requireStories260K().toString()});
        } finally {
            System.setOut(before);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("Once upon a time, there was a little girl named Lily [stop, "), lines.get(0));
        assertTrue(lines.get(1).startsWith("Lily and Tom") && lines.get(1).contains("[stop, "), lines.get(1));
    }

    @Test
    void theDocShowsThisVeryCode() throws Exception {
        String doc = Files.readString(PROJECT.resolve("docs/java-api.md"));
        String source = Files.readString(PROJECT.resolve("tools/src/test/java/org/yalis/examples/OnlineExample.java"));
        String body = source.substring(source.indexOf("    public static void main"), source.lastIndexOf("}"));
        assertTrue(doc.contains(body.stripTrailing()), "docs/java-api.md carries OnlineExample as it is");
    }
}
