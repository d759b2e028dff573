package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --help} and docs/cli.md against the commands as picocli sees them: every option that takes a
 * value says its default (or that it has none, being required), and docs/cli.md names every option of
 * every command in that command's section.
 */
class HelpTest {
    private static final Path CLI_DOC = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize().resolve("docs/cli.md");

    private static List<CommandLine> commands() {
        return new ArrayList<>(new CommandLine(new Yalis()).getSubcommands().values());
    }

    @Test
    void everyOptionThatTakesAValueSaysItsDefault() {
        List<String> silent = new ArrayList<>();
        for (CommandLine command : commands()) {
            String help = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (OptionSpec option : command.getCommandSpec().options()) {
                boolean flag = option.typeInfo().isBoolean() || option.usageHelp() || option.versionHelp();
                if (flag || option.required() || option.hidden()) {
                    continue;
                }
                String block = optionBlock(help, option.longestName()).toLowerCase(Locale.ROOT);
                if (!block.contains("default") && !block.contains("repeat")) {
                    silent.add("yalis " + command.getCommandName() + " " + option.longestName());
                }
            }
        }
        assertEquals(List.of(), silent, "options whose --help does not say their default");
    }

    /** The lines of {@code help} that describe {@code name}: its own line and those indented under it. */
    private static String optionBlock(String help, String name) {
        StringBuilder block = new StringBuilder();
        boolean inside = false;
        for (String line : help.lines().toList()) {
            boolean optionLine = line.matches("\\s{2,}(-\\w, )?--.*") && !line.matches("\\s{20,}.*");
            if (optionLine) {
                inside = line.strip().replaceFirst("^-\\w, ", "").startsWith(name + "=")
                        || line.strip().replaceFirst("^-\\w, ", "").startsWith(name + " ");
            }
            if (inside) {
                block.append(line).append('\n');
            }
        }
        return block.toString();
    }

    @Test
    void docsCliNamesEveryOptionOfEveryCommand() throws IOException {
        String doc = Files.readString(CLI_DOC);
        List<String> missing = new ArrayList<>();
        for (CommandLine command : commands()) {
            String name = command.getCommandName();
            String heading = "## `yalis " + name + "`";
            if (name.equals("help")) {
                continue;
            }
            int start = doc.indexOf(heading);
            if (start < 0) {
                missing.add(heading);
                continue;
            }
            int end = doc.indexOf("\n## ", start + heading.length());
            String section = doc.substring(start, end < 0 ? doc.length() : end);
            for (OptionSpec option : command.getCommandSpec().options()) {
                if (!option.usageHelp() && !option.versionHelp() && !option.hidden()
                        && !java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(option.longestName())
                        + "(?![a-z-])").matcher(section).find()) {
                    missing.add("yalis " + name + " " + option.longestName());
                }
            }
        }
        assertEquals(List.of(), missing, "not in their command's section of docs/cli.md");
        assertTrue(doc.contains("--chat") && doc.contains("--system"), "--chat and --system are documented");
    }
}
