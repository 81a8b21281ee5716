package io.tokenflow.core;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A credential store could not take its write lock in time: another process holds it.
 * Nothing was written (fail closed).
 */
public final class CredentialBusyException extends TokenflowException {

    private static final long serialVersionUID = 1L;

    private CredentialBusyException(String message) {
        super(message, null, null, null, true);
    }

    public static CredentialBusyException lockNotAcquired(Path lockFile, Duration waited) {
        return new CredentialBusyException("credential file is locked by another process: " + lockFile
                + " (waited " + waited + "); nothing was written");
    }
}
