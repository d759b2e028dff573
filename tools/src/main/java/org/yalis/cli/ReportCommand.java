package org.yalis.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.report.BenchmarkResults;
import org.yalis.report.ReportPage;

/** {@code yalis report}: draws bench and comm-bench JSON results into one self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Write one self-contained HTML page of charts from 'bench --json' and 'comm-bench --json' "
                + "result files: time breakdowns, collective latency and bandwidth, strong scaling.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RESULTS", arity = "1..*",
            description = "JSON files from 'yalis bench --json', 'yalis comm-bench --json' or 'yalis bench-serving --json', one object or JSON "
                    + "lines each, in any mix.")
    List<Path> resultFiles;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The HTML file to write.")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "Yalis-J benchmark report",
            description = "The page's title (default: ${DEFAULT-VALUE}).")
    String title;

    @Override
    public Integer call() {
        BenchmarkResults results = BenchmarkResults.read(resultFiles);
        String html = ReportPage.render(results, title);
        for (Path input : resultFiles) {
            if (Files.exists(out) && sameFile(input, out)) {
                throw new YalisException("--out " + out + " is one of the result files it would be made from; "
                        + "give another --out");
            }
        }
        UserFiles.writeAtomically(out, html.getBytes(StandardCharsets.UTF_8), "--out");
        PrintWriter err = spec.commandLine().getErr();
        err.printf("report: %d bench results, %d comm-bench measurements, %d serving runs -> %s%n",
                results.bench().size(), results.collectives().size(), results.serving().size(), out);
        err.flush();
        return 0;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
