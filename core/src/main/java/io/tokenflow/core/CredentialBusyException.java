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

    /**
     * A store shared by several hosts cannot be used for a refresh now: it cannot be reached, it
     * answered too late, or another holder is refreshing the credential. Transient: the service
     * keeps serving a valid held token and tries again.
     *
     * @param store the store's {@code describe()}
     * @param why what happened and what follows, without secrets
     */
    public static CredentialBusyException unavailable(String store, String why) {
        return new CredentialBusyException("credential store " + store + ": " + why);
    }

    /**
     * The store can be read but not written here (a read-only mount, such as a Kubernetes Secret
     * volume, or a folder this process may not write), so it cannot be refreshed: whoever writes it
     * does that. Transient: the store is read again at every attempt and its changes are adopted.
     *
     * @param why what makes it read-only, without secrets
     */
    public static CredentialBusyException readOnly(Path file, String why) {
        return new CredentialBusyException("credential file " + file + " is read-only here (" + why + "): tokenflow does "
                + "not refresh it; it serves the stored token and adopts what another process writes; nothing was written");
    }
}
