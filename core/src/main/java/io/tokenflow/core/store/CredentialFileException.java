package io.tokenflow.core.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A credential file that cannot be used: invalid content, not a regular file, unreadable or
 * unwritable. The message names the file and the problem, never the file's content (it holds
 * secrets): JSON parser messages quote content, so they are neither copied nor chained.
 */
final class CredentialFileException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private CredentialFileException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** The content is not a version 1 credential file; {@code problem} must not quote the content. */
    static CredentialFileException invalid(Path file, String problem) {
        return new CredentialFileException("credential file " + file + " is not a valid credential file: " + problem, null);
    }

    /** {@code save} found a current file it cannot read, so it cannot check what it would replace. */
    static CredentialFileException refusingToOverwrite(Path file, CredentialFileException unreadable) {
        return new CredentialFileException("refusing to overwrite credential file " + file + " without reading it first ("
                + unreadable.getMessage() + "); fix or clear it, nothing was written", null);
    }

    static CredentialFileException symbolicLink(Path file, @Nullable Path target) {
        return new CredentialFileException("credential file " + file + " is a symbolic link"
                + (target == null ? "" : " (to " + target + ")")
                + "; tokenflow replaces the file atomically and does not follow links: configure the real path instead", null);
    }

    static CredentialFileException directory(Path file) {
        return new CredentialFileException("credential file " + file + " is a directory, not a file", null);
    }

    static CredentialFileException notRegularFile(Path file) {
        return new CredentialFileException("credential file " + file + " is not a regular file (a device, pipe or socket)", null);
    }

    static CredentialFileException unreadable(Path file, IOException e) {
        return new CredentialFileException("credential file " + file + " cannot be read: " + reason(e), e);
    }

    static CredentialFileException unwritable(Path file, IOException e) {
        return new CredentialFileException("credential file " + file + " cannot be written: " + reason(e)
                + "; nothing was changed", e);
    }

    static CredentialFileException lockUnusable(Path lockFile, IOException e) {
        return new CredentialFileException("lock file " + lockFile + " cannot be opened or locked: " + reason(e), e);
    }

    /** What went wrong, from an {@code IOException} whose message is a path or an OS error (never content). */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied (the process needs read and write access to the file and write access to its folder)";
        }
        String reason = e instanceof java.nio.file.FileSystemException fse ? fse.getReason() : e.getMessage();
        return e.getClass().getSimpleName() + (reason == null ? "" : ": " + reason);
    }
}
