package org.yalis.report;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.yalis.engine.testing.FuzzChecks;

/**
 * Fuzz target of what {@code yalis report} reads: a file of {@code bench --json} and {@code comm-bench
 * --json} records, parsed and then drawn into the page. Whatever the file holds, the page that comes out
 * must be well-formed (every string from the file escaped, every number placed).
 */
class ResultFilesFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void aResultFile(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> {
            BenchmarkResults results = BenchmarkResults.parse(bytes, "results.json");
            String page = ReportPage.render(results, "fuzz");
            try {
                ReportMarkup.parse(page);
            } catch (Exception e) {
                throw new AssertionError("the report page is not well-formed: " + e.getMessage(), e);
            }
        });
    }
}
