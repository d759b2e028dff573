package org.yalis.engine.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.bindings.posix.Libc;
import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * All the tensors of a model folder: one {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists. Files are mapped, not read; the arena ends the mappings.
 */
public final class Checkpoint implements TensorSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Map<String, CheckpointTensor> tensors;
    private final List<Path> files;

    private Checkpoint(Map<String, CheckpointTensor> tensors, List<Path> files) {
        this.tensors = tensors;
        this.files = files;
    }

    public static Checkpoint open(Path folder, Arena arena) {
        Map<String, String> indexMap = readIndex(folder);
        List<Path> files = weightFiles(folder, indexMap);
        Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
        for (Path file : files) {
            SafetensorsFile safetensors = SafetensorsFile.open(file, arena);
            for (CheckpointTensor tensor : safetensors.tensors().values()) {
                String expectedFile = indexMap.get(tensor.name());
                if (expectedFile != null && !expectedFile.equals(file.getFileName().toString())) {
                    continue;   // the index says another shard owns this name
                }
                tensors.putIfAbsent(tensor.name(), tensor);
            }
        }
        for (Map.Entry<String, String> listed : indexMap.entrySet()) {
            if (!tensors.containsKey(listed.getKey())) {
                throw new YalisException(folder.resolve(INDEX_FILE) + " lists tensor '" + listed.getKey() + "' in "
                        + listed.getValue() + " but that file does not hold it; re-download the model folder");
            }
        }
        return new Checkpoint(Collections.unmodifiableMap(tensors), files);
    }

    @Override
    public Optional<CheckpointTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public Map<String, CheckpointTensor> tensors() {
        return tensors;
    }

    public List<Path> files() {
        return files;
    }

    /**
     * Drops {@code tensor}'s pages from this process's resident memory once its bytes were copied
     * elsewhere (the CPU backend's weight copy, a GPU upload): without this, the mapping of a checkpoint
     * being loaded holds a second copy of every weight read so far, and peak memory doubles. The data
     * stays correct: the file is mapped read-only, and a later read faults the pages back in.
     */
    @Override
    public void releasePages(CheckpointTensor tensor) {
        Libc.releaseFilePages(tensor.bytes());
    }

    private static List<Path> weightFiles(Path folder, Map<String, String> indexMap) {
        Path index = folder.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            TreeSet<String> names = new TreeSet<>(indexMap.values());
            List<Path> shards = new ArrayList<>();
            for (String name : names) {
                Path shard = folder.resolve(name).normalize();
                if (!shard.startsWith(folder.normalize()) || !Files.isRegularFile(shard)) {
                    throw new YalisException(index + " names shard '" + name
                            + "', which is not in the folder; re-download the missing file");
                }
                shards.add(shard);
            }
            return shards;
        }
        Path single = folder.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        List<Path> any = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(folder, "*.safetensors")) {
            found.forEach(any::add);
        } catch (IOException e) {
            throw new YalisException(UserFiles.cannotRead(folder, "model folder", e));
        }
        if (!any.isEmpty()) {
            Collections.sort(any);
            return any;
        }
        boolean pytorchOnly = Files.exists(folder.resolve("pytorch_model.bin"))
                || Files.exists(folder.resolve("pytorch_model.bin.index.json"));
        throw new YalisException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + folder
                + (pytorchOnly ? " (only PyTorch .bin weights: convert them to safetensors)" : "")
                + "; download the model's safetensors weights");
    }

    /** Tensor name to shard file name, from the index; empty for a single-file checkpoint. */
    private static Map<String, String> readIndex(Path folder) {
        Path index = folder.resolve(INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            return Map.of();
        }
        return parseIndex(UserFiles.readJson(index, "checkpoint index", "re-download it"), index);
    }

    /** Tensor name to shard file name, from the JSON of index file {@code index}. */
    static Map<String, String> parseIndex(JsonNode json, Path index) {
        JsonNode weightMap = json == null ? null : json.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new YalisException(index + " has no weight_map object; re-download it");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            map.put(entry.getKey(), entry.getValue().asText());
        }
        return map;
    }
}
