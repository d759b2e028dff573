package org.yalis.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds native libraries without loading them, in the design's order: an explicit path
 * ({@code yalis.native.path} property or {@code YALIS_NATIVE_PATH}), {@code LD_LIBRARY_PATH} and
 * the loader cache, {@code CUDA_HOME} and {@code /usr/local/cuda}, then the {@code nvidia/*}
 * folders of Python environments (PyTorch's wheels put cuBLAS and NCCL there). Library-specific
 * system folders (Debian's Open MPI and MPICH) come last.
 *
 * <p>Nothing here dlopens anything: a library that is absent fails only the feature that needs it.
 */
public final class NativeLibraryLocator {
    private final Map<String, List<Path>> rules;

    /** A locator over this process's environment. */
    public static NativeLibraryLocator fromEnvironment() {
        return new NativeLibraryLocator(System.getProperty("yalis.native.path", System.getenv("YALIS_NATIVE_PATH")),
                System.getenv("LD_LIBRARY_PATH"), System.getenv("CUDA_HOME"), pythonRoots());
    }

    /**
     * A locator that looks only in {@code folders}, in order: for tests (an empty folder proves
     * the "not found" path without depending on what this machine has installed) and for callers
     * that already know where their libraries are.
     */
    public static NativeLibraryLocator inFolders(List<Path> folders) {
        Map<String, List<Path>> rules = new LinkedHashMap<>();
        rules.put("given folders", List.copyOf(folders));
        return new NativeLibraryLocator(rules);
    }

    private NativeLibraryLocator(Map<String, List<Path>> rules) {
        this.rules = rules;
    }

    NativeLibraryLocator(String explicitPath, String ldLibraryPath, String cudaHome, List<Path> pythonRoots) {
        rules = new LinkedHashMap<>();
        rules.put("YALIS_NATIVE_PATH", split(explicitPath));
        rules.put("LD_LIBRARY_PATH", split(ldLibraryPath));
        rules.put("loader cache", loaderCacheFolders());
        List<Path> cuda = new ArrayList<>();
        for (String home : new String[] {cudaHome, "/usr/local/cuda"}) {
            if (home != null && !home.isBlank()) {
                cuda.add(Path.of(home, "lib64"));
                cuda.add(Path.of(home, "lib"));
                cuda.add(Path.of(home, "targets", "x86_64-linux", "lib"));
            }
        }
        rules.put("CUDA_HOME", cuda);
        rules.put("python nvidia wheels", nvidiaWheelFolders(pythonRoots));
        rules.put("system MPI", List.of(Path.of("/usr/lib/x86_64-linux-gnu/openmpi/lib"),
                Path.of("/usr/lib/x86_64-linux-gnu/mpich/lib"), Path.of("/usr/lib64/openmpi/lib"),
                Path.of("/usr/lib64/mpich/lib")));
    }

    public LibraryLocation locate(KnownLibrary library) {
        return locate(library, library.fileNames());
    }

    /**
     * Like {@link #locate(KnownLibrary)}, for only some of the library's file names (in the order
     * given): a caller that prefers one variant searches every folder for it before the others.
     */
    public LibraryLocation locate(KnownLibrary library, List<String> fileNames) {
        List<String> searched = new ArrayList<>();
        for (Map.Entry<String, List<Path>> rule : rules.entrySet()) {
            for (Path folder : rule.getValue()) {
                searched.add(folder.toString());
                for (String name : fileNames) {
                    Path candidate = folder.resolve(name);
                    if (Files.isRegularFile(candidate)) {
                        return new LibraryLocation(library, Optional.of(candidate), rule.getKey(), searched);
                    }
                }
            }
        }
        return new LibraryLocation(library, Optional.empty(), "not found", dedupe(searched));
    }

    private static List<String> dedupe(List<String> items) {
        return List.copyOf(new java.util.LinkedHashSet<>(items));
    }

    private static List<Path> split(String pathList) {
        List<Path> folders = new ArrayList<>();
        if (pathList != null) {
            for (String part : pathList.split(":")) {
                if (!part.isBlank()) {
                    folders.add(Path.of(part));
                }
            }
        }
        return folders;
    }

    /**
     * The folders that {@code ldconfig -p} lists, plus the standard multiarch folders (the cache
     * is not readable everywhere, and these are where dlopen looks anyway).
     */
    private static List<Path> loaderCacheFolders() {
        java.util.LinkedHashSet<Path> folders = new java.util.LinkedHashSet<>();
        for (String ldconfig : new String[] {"/sbin/ldconfig", "/usr/sbin/ldconfig"}) {
            if (!Files.isExecutable(Path.of(ldconfig))) {
                continue;
            }
            try {
                Process process = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                String listing;
                try (InputStream out = process.getInputStream()) {
                    listing = new String(out.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    for (String line : listing.split("\n")) {
                        int arrow = line.indexOf("=> ");
                        if (arrow >= 0) {
                            Path parent = Path.of(line.substring(arrow + 3).trim()).getParent();
                            if (parent != null) {
                                folders.add(parent);
                            }
                        }
                    }
                } else {
                    process.destroyForcibly();
                }
            } catch (IOException e) {
                // No usable ldconfig: the standard folders below still apply.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            break;
        }
        for (String standard : new String[] {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                "/usr/lib64", "/usr/local/lib", "/usr/lib"}) {
            folders.add(Path.of(standard));
        }
        return List.copyOf(folders);
    }

    /** Python installations whose site-packages may hold NVIDIA's wheels. */
    private static List<Path> pythonRoots() {
        List<Path> roots = new ArrayList<>();
        for (String variable : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                roots.add(Path.of(value, "lib"));
            }
        }
        // A python3 on PATH names its environment even when nothing is activated (GPU images often
        // put a virtual environment's bin folder on PATH instead of setting VIRTUAL_ENV).
        for (Path bin : split(System.getenv("PATH"))) {
            Path parent = bin.toAbsolutePath().getParent();
            if (parent != null && Files.isExecutable(bin.resolve("python3"))) {
                roots.add(parent.resolve("lib"));
            }
        }
        String home = System.getProperty("user.home");
        roots.add(Path.of(home, ".local", "lib"));
        roots.add(Path.of("/usr/local/lib"));
        roots.add(Path.of("/usr/lib"));
        roots.add(Path.of("/opt/conda/lib"));
        Path pyenv = Path.of(home, ".pyenv", "versions");
        if (Files.isDirectory(pyenv)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(pyenv)) {
                for (Path version : versions) {
                    roots.add(version.resolve("lib"));
                }
            } catch (IOException e) {
                // Unreadable pyenv folder: skip it.
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(roots));
    }

    /** {@code <root>/python3.*}/{site,dist}-packages/nvidia/<any>/lib for every root. */
    private static List<Path> nvidiaWheelFolders(List<Path> pythonRoots) {
        List<Path> folders = new ArrayList<>();
        for (Path root : pythonRoots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(root, "python3*")) {
                for (Path python : pythons) {
                    for (String packages : new String[] {"site-packages", "dist-packages"}) {
                        Path nvidia = python.resolve(packages).resolve("nvidia");
                        if (!Files.isDirectory(nvidia)) {
                            continue;
                        }
                        try (DirectoryStream<Path> wheels = Files.newDirectoryStream(nvidia)) {
                            for (Path wheel : wheels) {
                                if (Files.isDirectory(wheel.resolve("lib"))) {
                                    folders.add(wheel.resolve("lib"));
                                }
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // Unreadable folder: skip it.
            }
        }
        return folders;
    }
}
