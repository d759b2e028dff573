package org.yalis.engine;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The files a user hands the engine (a model folder's JSON files, a prompts file) and the folders it
 * writes for them (a synthetic model, its cache), with each failure said as its cause and its fix: a
 * file that cannot be read for permissions is not "corrupt", an unreadable file is not "not valid
 * JSON", and a folder that cannot be written is not an internal error. Parse errors name the line and
 * column, without the parser's internal description of its input source.
 */
public final class UserFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Most bytes of a configuration file (the largest tokenizer.json files are tens of MB). */
    static final long MAX_BYTES = 256L << 20;

    private UserFiles() {
    }

    /**
     * The bytes of {@code file}, {@code what} naming it in errors ("config.json", "prompts file").
     *
     * @throws YalisException naming the cause (missing, a folder, permission denied, I/O error) and the fix
     */
    public static byte[] read(Path file, String what) {
        String name = what.isEmpty() ? file.toString() : what + " " + file;
        if (Files.exists(file) && !Files.isDirectory(file) && !Files.isRegularFile(file)) {
            // Reading a pipe could wait forever for a writer, and a device such as /dev/zero never ends.
            throw new YalisException(name + " is a pipe or a device, not a regular file; give the file itself");
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
                throw new YalisException(name + " holds " + Sizes.format(Files.size(file)) + ", more than the "
                        + Sizes.format(MAX_BYTES) + " such a file can be; it is not the file it should be: re-download it");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new YalisException(cannotRead(file, what, e));
        }
    }

    /**
     * {@code file} parsed as JSON; {@code fix} is what to do about a malformed one ("re-download the model
     * folder"). Empty files parse as null.
     */
    public static JsonNode readJson(Path file, String what, String fix) {
        return parseJson(read(file, what), file.toString(), fix);
    }

    /** {@code bytes} (the contents of {@code name}) parsed as JSON, or a one-line error; empty input is null. */
    public static JsonNode parseJson(byte[] bytes, String name, String fix) {
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new YalisException(name + " is not valid JSON (" + where(e) + "); " + fix);
        } catch (IOException e) {
            throw new YalisException("cannot parse " + name + ": " + e.getMessage());
        }
    }

    /** "line L, column C: what the parser expected", from a Jackson error, in one line. */
    public static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String message = e.getOriginalMessage() == null ? "malformed" : e.getOriginalMessage();
        // Jackson quotes up to 500 characters of the input in some messages: keep the line short.
        message = message.replaceAll("\\s+", " ");
        if (message.length() > 160) {
            message = message.substring(0, 157) + "...";
        }
        return location == null ? message : "line " + location.getLineNr() + ", column " + location.getColumnNr()
                + ": " + message;
    }

    /** One line: why {@code path} could not be written ({@code what} names it) and what to do. */
    public static String cannotWrite(Path path, String what, IOException e) {
        String name = what.isEmpty() ? path.toString() : what + " " + path;
        Path failed = e instanceof FileSystemException fs && fs.getFile() != null ? Path.of(fs.getFile()) : path;
        if (e instanceof AccessDeniedException) {
            return "cannot write " + name + ": permission denied on " + failed + "; choose a folder this user can "
                    + "write to";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "cannot write " + name + ": " + failed + " already exists and is not a folder";
        }
        String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "cannot write " + name + ": " + reason.replaceAll("\\s+", " ") + " (" + failed + ")";
    }

    /**
     * Writes {@code bytes} to {@code file} as one step: into a temporary file beside it, then renamed over it,
     * so a reader (or a crash halfway) never sees half a file, and a failed write leaves the old one as it
     * was. {@code what} names the file in errors ("--out").
     */
    public static void writeAtomically(Path file, byte[] bytes, String what) {
        if (Files.isDirectory(file)) {
            throw new YalisException(what + " " + file + " is a folder; give a file name");
        }
        Path parent = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            Files.createDirectories(parent);
            temporary = Files.createTempFile(parent, "." + file.getFileName() + ".", ".partial");
            Files.write(temporary, bytes);
            // A temporary file is private to its owner (rw-------); the file it becomes keeps the permissions
            // of the one it replaces, or gets a new file's usual rw-r--r--.
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, Files.exists(file) ? Files.getPosixFilePermissions(file)
                        : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new YalisException(cannotWrite(file, what, e));
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // only our own temporary file, and only when the rename did not happen
                }
            }
        }
    }

    /** One line: why {@code file} could not be read and what to do. */
    public static String cannotRead(Path file, String what, IOException e) {
        String name = what.isEmpty() ? file.toString() : what + " " + file;
        if (e instanceof AccessDeniedException) {
            return "cannot read " + name + ": permission denied; make it readable by this user (for example chmod "
                    + "a+r) or run as a user who can read it";
        }
        if (e instanceof NoSuchFileException) {
            return name + " does not exist; check the path";
        }
        if (Files.isDirectory(file)) {
            return name + " is a folder, not a file; give the file itself";
        }
        String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "cannot read " + name + ": " + reason.replaceAll("\\s+", " ");
    }
}
