package org.yalis.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;

/**
 * The soak run behind {@code tools/soak.sh}: many generations against one engine, with random prompts,
 * lengths, sampling parameters and batch sizes, and a KV pool small enough that batches are preempted.
 * It checks what a long-running engine must keep true:
 * <ul>
 *   <li>every output equals the same request's output run alone (batch-invariant kernels; each request
 *       draws from its own Philox stream, so sampled outputs compare too);</li>
 *   <li>every KV block is free after every batch, and at the end (free, or cached by the prefix cache and
 *       referenced by no sequence: the one-at-a-time runs find their prompts there);</li>
 *   <li>after a warm-up of half as many generations again, the process's resident memory and the JVM's
 *       native memory (NMT) stay flat, and the engine's own off-heap memory does not grow at all.</li>
 * </ul>
 * Prints one line per checkpoint on stderr and the figures as one JSON object on stdout; exits 1 when a
 * check fails.
 *
 * <p>Arguments: {@code MODEL_DIR [GENERATIONS] [MAX_SECONDS] [SEED]}. Needs
 * {@code -XX:NativeMemoryTracking=summary} for the NMT figures (soak.sh passes it).
 */
public final class Soak {
    private static final int MAX_BATCH = 8;
    private static final int MAX_PROMPT = 96;
    private static final int MAX_NEW = 48;
    /** Blocks in the pool: one longest sequence fits (9 blocks of 16), a batch of them does not, so it preempts. */
    private static final int POOL_BLOCKS = 12;
    /** Growth allowed after warm-up: allocator and JIT noise, not a leak of a batch's worth. */
    private static final double FLAT_FRACTION = 0.05;
    private static final long FLAT_FLOOR_BYTES = 16L << 20;

    private Soak() {
    }

    record Sample(int generations, long rssBytes, long nmtCommittedBytes, long engineNativeBytes) {
    }

    /** Committed native memory by NMT: the JVM's (less heap and JIT scratch), and the engine's off-heap part. */
    record NativeMemory(long jvmBytes, long engineBytes) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Soak MODEL_DIR [GENERATIONS] [MAX_SECONDS] [SEED]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        int generations = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        double maxSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 900;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        System.exit(run(model, generations, maxSeconds, seed));
    }

    static int run(Path model, int generations, double maxSeconds, long seed) throws Exception {
        ModelFolder folder = ModelFolder.open(model);
        long blockBytes;
        try (Engine probe = Engine.load(folder, EngineOptions.builder(model).batchInvariant(true).build(), null)) {
            blockBytes = probe.kvCacheBytes() / probe.kvPool().totalBlocks();
        }
        EngineOptions options = EngineOptions.builder(model).batchInvariant(true).maxBatch(MAX_BATCH)
                .kvCacheBytes(blockBytes * POOL_BLOCKS).build();
        SplittableRandom random = new SplittableRandom(seed);
        List<String> failures = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        int vocab = folder.config().vocabSize();
        long start = System.nanoTime();
        int done = 0;
        int batches = 0;
        int preemptions = 0;
        int prefixHits = 0;
        int cachedAtEnd;
        int checked = 0;
        int sampled = 0;
        int freeAtEnd;
        int totalBlocks;
        int warmUpGenerations;
        try (Engine engine = Engine.load(folder, options, null)) {
            totalBlocks = engine.kvPool().totalBlocks();
            System.err.printf(Locale.ROOT, "soak: %s, KV pool of %d blocks of %d tokens, batches up to %d%n",
                    model.getFileName(), totalBlocks, engine.kvPool().blockSize(), MAX_BATCH);
            // The warm-up's generations are checked like the others; memory is measured from its end, when
            // the JIT has compiled what the random mix of shapes and sampling paths needs.
            int warmUp = Math.max(1, generations / 2);
            int total = warmUp + generations;
            int nextSample = warmUp;
            while (done < total && (System.nanoTime() - start) / 1e9 < maxSeconds) {
                int batch = Math.min(1 + random.nextInt(MAX_BATCH), (done < warmUp ? warmUp : total) - done);
                List<Request> requests = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    requests.add(randomRequest(random, vocab, done + i));
                    sampled += requests.getLast().sampling().isGreedy() ? 0 : 1;
                }
                List<Completion> together = engine.generate(requests, GenerationListener.NONE);
                preemptions += engine.lastStats().preemptions();
                prefixHits += engine.lastStats().prefixCacheHitTokens();
                batches++;
                if (engine.kvPool().freeBlocks() != totalBlocks) {
                    failures.add("after batch " + batches + ": " + (totalBlocks - engine.kvPool().freeBlocks())
                            + " KV blocks still held");
                }
                for (int i = 0; i < batch; i++) {
                    Completion alone = engine.generate(List.of(requests.get(i)), GenerationListener.NONE).getFirst();
                    checked++;
                    if (!Arrays.equals(alone.generatedIds(), together.get(i).generatedIds())) {
                        failures.add("generation " + (done + i) + " (batch of " + batch + ", " + requests.get(i).sampling()
                                + "): batched " + Arrays.toString(together.get(i).generatedIds()) + " but alone "
                                + Arrays.toString(alone.generatedIds()));
                    }
                }
                done += batch;
                if (done >= nextSample) {
                    System.gc();
                    NativeMemory nmt = nativeMemory();
                    samples.add(new Sample(done - warmUp, residentBytes(), nmt.jvmBytes(), nmt.engineBytes()));
                    System.err.printf(Locale.ROOT, "soak: %d generations, %d preemptions, RSS %.1f MiB, NMT %.1f MiB"
                                    + " (the engine's off-heap memory %.3f MiB)%n", done, preemptions,
                            samples.getLast().rssBytes() / 1048576.0, nmt.jvmBytes() / 1048576.0, nmt.engineBytes() / 1048576.0);
                    nextSample = Math.min(total, nextSample + Math.max(1, generations / 10));
                }
                if (failures.size() > 20) {
                    break;
                }
            }
            freeAtEnd = engine.kvPool().freeBlocks();
            cachedAtEnd = engine.kvPool().cachedBlocks();
            warmUpGenerations = warmUp;
        }
        int measured = Math.max(0, done - warmUpGenerations);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (freeAtEnd != totalBlocks) {
            failures.add("at the end " + (totalBlocks - freeAtEnd) + " of " + totalBlocks + " KV blocks are held");
        }
        if (measured < generations) {
            failures.add("only " + measured + " of " + generations + " generations (after " + warmUpGenerations
                    + " to warm up) in " + (int) maxSeconds + " s");
        }
        if (preemptions == 0) {
            failures.add("no batch was preempted: the pool did not force any");
        }
        // Flat after warm-up: at the end no more than allocator noise above what it was when the warm-up ended
        // (a leak grows with the generations; a late JIT compilation is a step that stays); the engine's own
        // off-heap memory must not grow at all.
        if (samples.size() >= 2) {
            Sample afterWarmUp = samples.getFirst();
            checkFlat("RSS", afterWarmUp.rssBytes(), samples.getLast().rssBytes(), failures);
            checkFlat("NMT committed (less heap and JIT scratch)", afterWarmUp.nmtCommittedBytes(),
                    samples.getLast().nmtCommittedBytes(), failures);
            long engineAfter = samples.getLast().engineNativeBytes();
            if (engineAfter > afterWarmUp.engineNativeBytes()) {
                failures.add("the engine's off-heap memory grew from " + afterWarmUp.engineNativeBytes() + " to "
                        + engineAfter + " bytes");
            }
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("model", model.getFileName().toString());
        figures.put("warm_up_generations", warmUpGenerations);
        figures.put("generations", measured);
        figures.put("batches", batches);
        figures.put("sampled_generations", sampled);
        figures.put("outputs_checked_against_one_at_a_time", checked);
        figures.put("preemptions", preemptions);
        figures.put("kv_blocks_total", totalBlocks);
        figures.put("kv_blocks_free_at_end", freeAtEnd);
        figures.put("kv_blocks_cached_at_end", cachedAtEnd);
        figures.put("prefix_cache_hit_tokens", prefixHits);
        figures.put("seconds", Math.round(seconds * 10) / 10.0);
        figures.put("samples", samples.stream().map(s -> Map.of("generations", s.generations(),
                "rss_mib", round(s.rssBytes()), "nmt_committed_mib", round(s.nmtCommittedBytes()),
                "engine_off_heap_bytes", s.engineNativeBytes())).toList());
        figures.put("failures", failures);
        System.out.println(new ObjectMapper().writeValueAsString(figures));
        for (String failure : failures) {
            System.err.println("soak: FAILED: " + failure);
        }
        System.err.println(failures.isEmpty() ? "soak: passed" : "soak: " + failures.size() + " checks failed");
        return failures.isEmpty() ? 0 : 1;
    }

    private static double round(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }

    private static void checkFlat(String what, long afterWarmUp, long atEnd, List<String> failures) {
        long allowed = Math.max(FLAT_FLOOR_BYTES, (long) (afterWarmUp * FLAT_FRACTION));
        if (atEnd - afterWarmUp > allowed) {
            failures.add(String.format(Locale.ROOT, "%s grew from %.1f MiB after warm-up to %.1f MiB at the end (allowed"
                    + " %.1f MiB)", what, afterWarmUp / 1048576.0, atEnd / 1048576.0, allowed / 1048576.0));
        }
    }

    /** A random request: prompt of random ids, length, sampling and EOS handling; its own Philox stream. */
    private static Request randomRequest(SplittableRandom random, int vocab, int id) {
        int[] prompt = new int[1 + random.nextInt(MAX_PROMPT)];
        prompt[0] = 1;   // BOS, as the tokenizer would add it
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 3 + random.nextInt(vocab - 3);
        }
        SamplingParams sampling = random.nextInt(3) == 0 ? SamplingParams.greedy()
                : new SamplingParams(0.3 + 1.2 * random.nextDouble(), new int[] {0, 5, 40}[random.nextInt(3)],
                new double[] {1.0, 0.9, 0.5}[random.nextInt(3)], random.nextLong());
        return new Request(prompt, 1 + random.nextInt(MAX_NEW), sampling, random.nextBoolean(), id);
    }

    /** This process's resident set (VmRSS), in bytes. */
    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /**
     * From NMT's summary: the committed native memory of the JVM less the Java heap (whose size is the
     * collector's choice) and less the JIT compilers' scratch ("Compiler" and "Arena Chunk", which come and
     * go with compilations); and its "Other" category alone, where the engine's own off-heap memory is
     * (weights, activations, the KV pool: every {@code Arena} allocation). Zeros when NMT is off.
     */
    static NativeMemory nativeMemory() {
        try {
            String text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()}).toString();
            Matcher total = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB").matcher(text);
            if (!total.find()) {
                return new NativeMemory(0, 0);
            }
            long committedKb = Long.parseLong(total.group(2));
            for (String transient_ : List.of("Java Heap", "Compiler", "Arena Chunk")) {
                committedKb -= category(text, transient_);
            }
            return new NativeMemory(committedKb * 1024, category(text, "Other") * 1024);
        } catch (Exception e) {
            return new NativeMemory(0, 0);
        }
    }

    private static long category(String summary, String name) {
        Matcher matcher = Pattern.compile("-\\s+" + Pattern.quote(name) + " \\(reserved=\\d+KB, committed=(\\d+)KB")
                .matcher(summary);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
