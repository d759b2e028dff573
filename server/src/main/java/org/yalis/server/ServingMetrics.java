package org.yalis.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.yalis.engine.Completion;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.StepReport;
import org.yalis.engine.model.Phase;

/**
 * What {@code GET /metrics} shows, in the Prometheus text format (Micrometer's Prometheus registry): the
 * batch and the KV pool after the last step, token and request counts, and latency histograms, named as
 * vLLM names its own ({@code yalis_} for {@code vllm:}). Fed on the loop thread, read by scrapes.
 */
final class ServingMetrics implements GenerationListener {
    /** Latency buckets from 1 ms to 2 minutes, as vLLM's histograms span. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMillis(40), Duration.ofMillis(60), Duration.ofMillis(80), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20),
            Duration.ofSeconds(40), Duration.ofSeconds(80), Duration.ofSeconds(120)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<StepReport> last = new AtomicReference<>();
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter prefillTokens;
    private final DistributionSummary batchSize;
    private final Timer timeToFirstToken;
    private final Timer timePerOutputToken;
    private final Timer endToEnd;

    ServingMetrics(int kvBlocksTotal, java.util.function.IntSupplier waitingRequests) {
        Gauge.builder("yalis_requests_running", last, l -> l.get() == null ? 0 : l.get().running())
                .description("Requests in the batch (holding KV blocks)").register(registry);
        Gauge.builder("yalis_requests_waiting", waitingRequests::getAsInt)
                .description("Requests accepted that have no token yet (queued or prefilling)").register(registry);
        Gauge.builder("yalis_kv_blocks_used", last, l -> l.get() == null ? 0 : l.get().kvBlocksUsed())
                .description("KV blocks held by requests").register(registry);
        Gauge.builder("yalis_kv_blocks_free", last, l -> l.get() == null ? kvBlocksTotal : l.get().kvBlocksFree())
                .description("KV blocks that can be allocated (cached ones included)").register(registry);
        Gauge.builder("yalis_kv_blocks_cached", last, l -> l.get() == null ? 0 : l.get().kvBlocksCached())
                .description("Unreferenced KV blocks kept for the prefix cache").register(registry);
        Gauge.builder("yalis_kv_pool_blocks", () -> kvBlocksTotal).description("KV blocks in the pool")
                .register(registry);
        FunctionCounter.builder("yalis_prefix_cache_hit_tokens", last, l -> l.get() == null ? 0 : l.get().prefixHitTokens())
                .description("Prompt tokens whose keys and values came from the prefix cache").register(registry);
        FunctionCounter.builder("yalis_preemptions", last, l -> l.get() == null ? 0 : l.get().preemptions())
                .description("Requests preempted (KV blocks taken back, recomputed later)").register(registry);
        promptTokens = Counter.builder("yalis_prompt_tokens").description("Prompt tokens of finished requests")
                .register(registry);
        prefillTokens = Counter.builder("yalis_prefill_tokens").description("Prompt tokens computed by prefill steps "
                + "(prefix-cache hits excluded)").register(registry);
        generationTokens = Counter.builder("yalis_generation_tokens").description("Tokens generated")
                .register(registry);
        batchSize = DistributionSummary.builder("yalis_decode_batch_size").description("Sequences per decode step")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
        timeToFirstToken = latency("yalis_time_to_first_token", "Arrival of a request to its first token");
        timePerOutputToken = latency("yalis_time_per_output_token", "Mean time between a request's tokens after the first");
        endToEnd = latency("yalis_e2e_request_latency", "Arrival of a request to its last token");
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }

    @Override
    public void onStep(StepReport report) {
        last.set(report);
        if (report.phase() == Phase.PREFILL) {
            prefillTokens.increment(report.tokens());
        } else if (report.phase() == Phase.DECODE) {
            batchSize.record(report.tokens());
        }
    }

    @Override
    public void onToken(int requestIndex, int token) {
        generationTokens.increment();
    }

    @Override
    public void onFinish(Completion completion) {
        promptTokens.increment(completion.metrics().promptTokens());
    }

    /** A request's latencies as its client saw them, from its arrival at the server. */
    void finished(long arrivalNanos, long firstTokenNanos, long lastTokenNanos, int tokens, String finishReason) {
        if (firstTokenNanos > 0) {
            timeToFirstToken.record(Duration.ofNanos(firstTokenNanos - arrivalNanos));
            if (tokens > 1) {
                timePerOutputToken.record(Duration.ofNanos((lastTokenNanos - firstTokenNanos) / (tokens - 1)));
            }
        }
        endToEnd.record(Duration.ofNanos(System.nanoTime() - arrivalNanos));
        Counter.builder("yalis_requests_finished").tag("finish_reason", finishReason).register(registry).increment();
    }

    void rejected(String reason) {
        Counter.builder("yalis_requests_rejected").tag("reason", reason).register(registry).increment();
    }

    String scrape() {
        return registry.scrape();
    }
}
