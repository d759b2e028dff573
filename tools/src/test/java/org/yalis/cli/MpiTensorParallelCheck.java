package org.yalis.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;

/**
 * One rank of a tensor-parallel MPI job, run by {@link MpiTensorParallelIT} under mpirun:
 * {@code MODEL ROWS COLS OUT PROMPT_IDS...} (prompt ids comma-separated). Rank 0 writes the greedy
 * ids and the last-position logits of the first prompt to {@code OUT} as JSON. The collective is {@code mpi}, or
 * {@code YALIS_CHECK_COLLECTIVE}'s (with {@code YALIS_CHECK_COMM_PROFILE} as its --comm-profile).
 */
public final class MpiTensorParallelCheck {
    private MpiTensorParallelCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        EngineOptions options = EngineOptions.builder(model).tensorParallel(Integer.parseInt(args[1]),
                Integer.parseInt(args[2])).collective(System.getenv().getOrDefault("YALIS_CHECK_COLLECTIVE", "mpi"))
                .collectivePrefill(System.getenv().getOrDefault("YALIS_CHECK_COLLECTIVE", "mpi"))
                .collectiveDecode(System.getenv().getOrDefault("YALIS_CHECK_COLLECTIVE", "mpi"))
                .commProfile(System.getenv("YALIS_CHECK_COMM_PROFILE") == null ? null
                        : Path.of(System.getenv("YALIS_CHECK_COMM_PROFILE"))).threads(1).build();
        List<int[]> prompts = java.util.Arrays.stream(args).skip(4)
                .map(p -> java.util.Arrays.stream(p.split(",")).mapToInt(Integer::parseInt).toArray()).toList();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            List<Request> requests = prompts.stream()
                    .map(p -> new Request(p, 64, SamplingParams.greedy(), true)).toList();
            List<Completion> completions = engine.generate(requests, GenerationListener.NONE);
            float[] logits = engine.lastPositionLogits(prompts.getFirst());
            if (engine.reportsResults()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("ids", completions.stream().map(Completion::generatedIds).toList());
                result.put("logits", logits);
                Files.writeString(Path.of(args[3]), new ObjectMapper().writeValueAsString(result));
            }
        }
    }
}
