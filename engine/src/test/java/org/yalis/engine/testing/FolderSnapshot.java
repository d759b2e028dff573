package org.yalis.engine.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a folder holds, to prove a command left it as it was: each entry's type, and for a regular file
 * its size, modification time and SHA-256. Special files (a pipe, a device) are never opened: reading
 * one could block or never end.
 */
public record FolderSnapshot(Map<String, String> entries) {

    public static FolderSnapshot of(Path folder) {
        Map<String, String> entries = new TreeMap<>();
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return new FolderSnapshot(entries);
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.toList()) {
                entries.put(folder.relativize(path).toString(), describe(path));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new FolderSnapshot(entries);
    }

    private static String describe(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "link to " + Files.readSymbolicLink(path);
        }
        if (Files.isDirectory(path)) {
            return "folder";
        }
        if (!Files.isRegularFile(path)) {
            return "special file";
        }
        if (!Files.isReadable(path)) {
            return "unreadable file of " + Files.size(path) + " bytes, modified " + Files.getLastModifiedTime(path);
        }
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, read);
            }
            return Files.size(path) + " bytes, modified " + Files.getLastModifiedTime(path) + ", sha256 "
                    + HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
