package org.yalis.cli;

import java.io.PrintWriter;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import org.yalis.engine.RankFailedException;
import org.yalis.engine.YalisException;

/**
 * The {@code yalis} command line. Errors the user can fix print one line ({@code error: ...}) and
 * exit non-zero; only {@code YALIS_DEBUG=1} shows stack traces.
 */
@Command(name = "yalis", mixinStandardHelpOptions = true, version = "yalis 0.1.0",
        description = "Yalis-J: LLM inference for Llama-family Hugging Face models on CPU cores or NVIDIA GPUs, "
                + "with tensor parallelism.",
        subcommands = {GenerateCommand.class, ChatCommand.class, ServeCommand.class, BenchServingCommand.class, BenchCommand.class, CommBenchCommand.class, ReportCommand.class, PlanCommand.class, SynthCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Yalis implements Runnable {
    /** Exit code of a run that failed on bad input or a broken model. */
    static final int EXIT_ERROR = 1;
    /** Exit code of a command line that could not be parsed (picocli's convention). */
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        List<String> commands = spec.commandLine().getSubcommands().keySet().stream()
                .filter(name -> !name.equals("help")).toList();
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use one of "
                + String.join(", ", commands));
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter userOut, PrintWriter err) {
        // An error while text streams to stdout starts on a line of its own, not glued to the text.
        LineTracker tracker = new LineTracker(userOut);
        PrintWriter out = new PrintWriter(tracker, true);
        CommandLine commandLine = new CommandLine(new Yalis());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            CommandLine failed = exception.getCommandLine();
            String suggestion = "";
            if (exception instanceof CommandLine.UnmatchedArgumentException unmatched
                    && !unmatched.getSuggestions().isEmpty()) {
                List<String> near = unmatched.getSuggestions();
                suggestion = "; did you mean " + String.join(" or ", near.subList(0, Math.min(3, near.size()))) + "?";
            }
            err.println("error: " + exception.getMessage() + suggestion + " (see '"
                    + failed.getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            if (tracker.midLine()) {
                out.println();
            }
            err.println("error: " + describe(exception));
            if (System.getenv("YALIS_DEBUG") != null) {
                exception.printStackTrace(err);
            }
            err.flush();
            return EXIT_ERROR;
        });
        int code = commandLine.execute(args);
        out.flush();
        return code;
    }

    /** Passes text on, remembering whether the last character written ended a line. */
    private static final class LineTracker extends java.io.Writer {
        private final java.io.Writer target;
        private boolean midLine;

        LineTracker(java.io.Writer target) {
            this.target = target;
        }

        boolean midLine() {
            return midLine;
        }

        @Override
        public void write(char[] text, int offset, int length) throws java.io.IOException {
            if (length > 0) {
                midLine = text[offset + length - 1] != '\n';
            }
            target.write(text, offset, length);
        }

        @Override
        public void flush() throws java.io.IOException {
            target.flush();
        }

        @Override
        public void close() throws java.io.IOException {
            target.close();
        }
    }

    static String describe(Throwable exception) {
        if (exception instanceof YalisException) {
            return exception.getMessage();
        }
        if (exception instanceof RankFailedException failed) {
            return "rank " + failed.rank() + ": " + describe(failed.getCause()) + "; every other rank stopped";
        }
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryError) {
                return "out of memory (" + cause.getMessage() + "); lower --kv-cache-memory, --max-batch or "
                        + "--max-step-tokens, or give the JVM more heap with JAVA_OPTS=-Xmx...";
            }
        }
        Throwable cause = exception;
        while (cause.getCause() != null && !(cause instanceof YalisException)) {
            cause = cause.getCause();
        }
        if (cause instanceof YalisException) {
            return cause.getMessage();
        }
        String message = exception.getMessage() == null ? "" : ": " + exception.getMessage().replaceAll("\\s+", " ");
        return "internal error " + exception.getClass().getSimpleName() + message
                + " (a bug in Yalis-J; rerun with YALIS_DEBUG=1 for the stack trace and report it)";
    }
}
