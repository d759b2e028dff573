package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.testing.TestModels;

/**
 * {@code yalis chat} with its turns from standard input, on stories260K given a chat template: a first turn
 * answers as {@code generate --chat} does, later turns carry the conversation, {@code /reset} forgets it.
 */
class ChatCommandTest {
    /** A template in the manner of real ones: BOS, then the turns, each answer closed (OpenAiClientIT's too). */
    static final String TEMPLATE = "{{ bos_token }}{% for message in messages %}{% if message['role'] == "
            + "'assistant' %}{{ message['content'] }}. {% else %}{{ message['content'] }}{% endif %}{% endfor %}";

    @TempDir
    static Path temp;
    private static Path model;

    @BeforeAll
    static void modelWithATemplate() throws IOException {
        model = TestModels.copyModel(TestModels.requireStories260K(), temp.resolve("stories-chat"));
        Files.writeString(model.resolve("chat_template.jinja"), TEMPLATE);
    }

    private record Run(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    private static Run run(String input, String... args) {
        InputStream before = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            int code = Yalis.execute(args, new PrintWriter(out), new PrintWriter(err));
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setIn(before);
        }
    }

    private static Run chat(String input) {
        return run(input, "chat", "--model", model.toString(), "--temperature", "0", "--max-new-tokens", "24");
    }

    @Test
    void turnsStreamTheirAnswersCarryTheConversationAndResetForgetsIt() {
        Run conversation = chat("Once upon a time\nThe dog\n/reset\nLily\n/exit\nnever read\n");
        assertEquals(0, conversation.code(), conversation.err());
        List<String> answers = conversation.outLines();
        assertEquals(3, answers.size(), "one line per answer:\n" + conversation.out());

        Run generate = run("", "generate", "--model", model.toString(), "--chat", "--prompt", "Once upon a time",
                "--temperature", "0", "--max-new-tokens", "24");
        assertEquals(0, generate.code(), generate.err());
        assertEquals("Once upon a time" + answers.get(0), generate.out().strip(),
                "the first turn answers as generate --chat does");

        Run alone = chat("The dog\n");
        assertFalse(alone.outLines().getFirst().equals(answers.get(1)),
                "the second turn sees the first: its answer is not that of 'The dog' alone");
        Run fresh = chat("Lily\n");
        assertEquals(fresh.outLines().getFirst(), answers.get(2), "after /reset, a turn answers as in a new chat");
        assertTrue(conversation.err().contains("(conversation forgotten)"), conversation.err());
    }

    @Test
    void aModelWithoutAChatTemplateIsOneLineSayingWhatToUseInstead() {
        Run run = run("hi\n", "chat", "--model", TestModels.requireStories260K().toString());
        assertEquals(Yalis.EXIT_ERROR, run.code());
        assertTrue(run.err().contains("has no chat template") && run.err().contains("yalis generate"), run.err());
    }
}
