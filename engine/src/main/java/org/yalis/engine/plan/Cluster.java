package org.yalis.engine.plan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * A machine to plan for: nodes of identical devices, the links between the devices of a node, the
 * network between nodes, and how each collective backend uses them. Read from JSON (see
 * {@code docs/plan.md} for the format); presets live beside this class as resources.
 *
 * @param devicesPerNode devices (GPUs, or one CPU) per node
 * @param maxNodes       nodes there are: ranks beyond {@code maxNodes * devicesPerNode} share devices (a
 *                       laptop running four ranks on one CPU)
 * @param collectives    per backend name ("nccl", "mpi", "hier", ...), its software latency and efficiency
 */
public record Cluster(String name, String description, int devicesPerNode, int maxNodes, Device device,
                      Link intraNode, Network interNode, Map<String, CollectiveSoftware> collectives) {

    public static final List<String> PRESETS = List.of("perlmutter", "alps", "dgx-h100");

    /**
     * One device's rates, as the cost model uses them.
     *
     * @param peakFlops          dense bf16 multiply-add rate, FLOP/s (two per multiply-add)
     * @param memoryBandwidth    bytes/s of the device's memory
     * @param gemmEfficiency     fraction of {@code peakFlops} a large matrix product reaches
     * @param gemmHalfTokens     rows (tokens) at which a product reaches half that rate: small products lose
     *                           efficiency to tiling, {@code eff(m) = gemmEfficiency * m / (m + gemmHalfTokens)}
     * @param bandwidthEfficiency fraction of {@code memoryBandwidth} streaming kernels reach
     * @param attentionEfficiency fraction of {@code peakFlops} attention's products reach
     * @param kernelSeconds      fixed cost of each operation (a kernel launch, a fork-join)
     * @param stepSeconds        fixed cost of each step on the host (scheduling, sampling, copies)
     * @param attentionSequenceSeconds fixed cost per sequence of each attention call (0 where one kernel covers
     *                           the batch)
     * @param collectiveSkew     the wait in collectives for the slowest rank, as a fraction of the compute time
     *                           between them (ranks never finish their shares together: launch and scheduling
     *                           jitter; on a CPU whose cores the ranks share, much more)
     * @param activationType     the dtype of activations and the KV cache (bf16 on a GPU, f32 on the CPU backend)
     */
    public record Device(String name, double peakFlops, double memoryBandwidth, double memoryBytes,
                         double gemmEfficiency, double gemmHalfTokens, double bandwidthEfficiency,
                         double attentionEfficiency, double kernelSeconds, double stepSeconds,
                         double attentionSequenceSeconds, double collectiveSkew,
                         org.yalis.engine.tensor.DType activationType) {
    }

    public org.yalis.engine.tensor.DType activationType() {
        return device.activationType();
    }

    /** A node's device-to-device links: each device's bandwidth per direction, bytes/s, and latency, s. */
    public record Link(double bandwidth, double latency) {
    }

    /** The network between nodes: network interfaces per node, each one's bandwidth per direction and latency. */
    public record Network(int nicsPerNode, double nicBandwidth, double latency) {
        /** A device's share of its node's network bandwidth. */
        double perDeviceBandwidth(int devicesPerNode) {
            return nicsPerNode * nicBandwidth / devicesPerNode;
        }
    }

    /**
     * What a collective library adds to the links: a per-step software latency within a node and between
     * nodes (added to the link's), and the fraction of link bandwidth it reaches. {@code comm-bench} curves,
     * where given, replace these.
     */
    public record CollectiveSoftware(CollectiveAlgorithm algorithm, double intraStepSeconds, double interStepSeconds,
                                     double bandwidthEfficiency) {
    }

    /** A preset by name, or a cluster file. */
    public static Cluster load(String nameOrFile) {
        if (PRESETS.contains(nameOrFile)) {
            String resource = "clusters/" + nameOrFile + ".json";
            try (InputStream in = Cluster.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resource);
                }
                return parse(UserFiles.parseJson(in.readAllBytes(), "preset " + nameOrFile, "report this bug"),
                        "preset " + nameOrFile);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        Path file = Path.of(nameOrFile);
        if (!Files.isRegularFile(file)) {
            throw new YalisException("--cluster " + nameOrFile + " is neither a preset (" + String.join(", ", PRESETS)
                    + ") nor a cluster file; give one of those, or make one with yalis plan --calibrate");
        }
        return parse(UserFiles.readJson(file, "cluster file", "fix it (docs/plan.md has the format)"), file.toString());
    }

    public static Cluster parse(JsonNode json, String where) {
        Fields root = new Fields(json, where);
        Fields device = root.object("device");
        Fields intra = root.object("intra_node");
        Fields inter = root.object("inter_node");
        Map<String, CollectiveSoftware> software = new LinkedHashMap<>();
        JsonNode collectives = json.path("collectives");
        if (!collectives.isObject() || collectives.isEmpty()) {
            throw new YalisException(where + ": no \"collectives\" object naming at least one backend; see docs/plan.md");
        }
        collectives.fieldNames().forEachRemaining(backend -> {
            Fields c = root.object("collectives").object(backend);
            software.put(backend, new CollectiveSoftware(CollectiveAlgorithm.named(c.text("algorithm"), c.where()),
                    c.nonNegative("intra_step_s"), c.nonNegative("inter_step_s"), c.fraction("bandwidth_efficiency")));
        });
        int maxNodes = json.has("max_nodes") ? (int) root.positive("max_nodes") : Integer.MAX_VALUE;
        return new Cluster(root.text("name"), json.path("description").asText(""), (int) root.positive("devices_per_node"),
                maxNodes,
                new Device(device.text("name"), device.positive("peak_flops"), device.positive("memory_bandwidth"),
                        device.positive("memory_bytes"), device.fraction("gemm_efficiency"),
                        device.nonNegative("gemm_half_tokens"), device.fraction("bandwidth_efficiency"),
                        device.fraction("attention_efficiency"), device.nonNegative("kernel_s"),
                        device.nonNegative("step_s"), device.optional("attention_sequence_s"),
                        device.optional("collective_skew"), activationType(device.node().path("activation_dtype")
                                .asText("bf16"), where)),
                new Link(intra.positive("bandwidth"), intra.nonNegative("latency")),
                new Network((int) inter.positive("nics_per_node"), inter.positive("nic_bandwidth"),
                        inter.nonNegative("latency")),
                Map.copyOf(software));
    }

    /** The JSON of this cluster, in the format {@link #parse} reads. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("description", description);
        json.put("devices_per_node", devicesPerNode);
        if (maxNodes != Integer.MAX_VALUE) {
            json.put("max_nodes", maxNodes);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", device.name());
        d.put("peak_flops", device.peakFlops());
        d.put("memory_bandwidth", device.memoryBandwidth());
        d.put("memory_bytes", device.memoryBytes());
        d.put("gemm_efficiency", device.gemmEfficiency());
        d.put("gemm_half_tokens", device.gemmHalfTokens());
        d.put("bandwidth_efficiency", device.bandwidthEfficiency());
        d.put("attention_efficiency", device.attentionEfficiency());
        d.put("kernel_s", device.kernelSeconds());
        d.put("step_s", device.stepSeconds());
        d.put("attention_sequence_s", device.attentionSequenceSeconds());
        d.put("collective_skew", device.collectiveSkew());
        d.put("activation_dtype", device.activationType().name().toLowerCase(java.util.Locale.ROOT));
        json.put("device", d);
        json.put("intra_node", Map.of("bandwidth", intraNode.bandwidth(), "latency", intraNode.latency()));
        json.put("inter_node", Map.of("nics_per_node", interNode.nicsPerNode(), "nic_bandwidth",
                interNode.nicBandwidth(), "latency", interNode.latency()));
        Map<String, Object> c = new LinkedHashMap<>();
        new java.util.TreeMap<>(collectives).forEach((backend, s) -> c.put(backend, Map.of("algorithm", s.algorithm().label(), "intra_step_s",
                s.intraStepSeconds(), "inter_step_s", s.interStepSeconds(), "bandwidth_efficiency",
                s.bandwidthEfficiency())));
        json.put("collectives", c);
        return json;
    }

    public Cluster withDevice(Device newDevice) {
        return new Cluster(name, description, devicesPerNode, maxNodes, newDevice, intraNode, interNode, collectives);
    }

    private static org.yalis.engine.tensor.DType activationType(String name, String where) {
        return switch (name) {
            case "bf16" -> org.yalis.engine.tensor.DType.BF16;
            case "f32" -> org.yalis.engine.tensor.DType.F32;
            default -> throw new YalisException(where + ": device activation_dtype must be bf16 or f32, got " + name);
        };
    }

    /** Required fields of one JSON object, each error naming the file and the field. */
    private record Fields(JsonNode node, String where) {
        Fields object(String field) {
            JsonNode child = node.path(field);
            if (!child.isObject()) {
                throw new YalisException(where + ": \"" + field + "\" must be an object; see docs/plan.md");
            }
            return new Fields(child, where + " " + field);
        }

        String text(String field) {
            JsonNode value = node.path(field);
            if (!value.isTextual() || value.asText().isBlank()) {
                throw new YalisException(where + ": \"" + field + "\" must be a non-empty string");
            }
            return value.asText();
        }

        double nonNegative(String field) {
            JsonNode value = node.path(field);
            if (!value.isNumber() || !(value.asDouble() >= 0) || Double.isInfinite(value.asDouble())) {
                throw new YalisException(where + ": \"" + field + "\" must be a number of at least 0, got "
                        + (value.isMissingNode() ? "nothing" : value.toString()));
            }
            return value.asDouble();
        }

        /** A non-negative number that may be left out (0). */
        double optional(String field) {
            return node.has(field) ? nonNegative(field) : 0;
        }

        double positive(String field) {
            double value = nonNegative(field);
            if (value == 0) {
                throw new YalisException(where + ": \"" + field + "\" must be positive");
            }
            return value;
        }

        double fraction(String field) {
            double value = positive(field);
            if (value > 1) {
                throw new YalisException(where + ": \"" + field + "\" is a fraction in (0, 1], got " + value);
            }
            return value;
        }
    }
}
