package io.tokenflow.test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import reactor.netty.Connection;

/**
 * The server's open connections, so that closing the server also closes them: disposing a
 * Reactor Netty server only stops accepting, and an answer held back by {@link
 * EmbeddedAuthorizationServer.Fault#SLOW} would otherwise keep its connection (and its timer)
 * alive after close. Thread-safe.
 */
final class OpenConnections implements Consumer<Connection> {

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Tracks a newly accepted connection; closes it at once if {@link #closeAll()} has run. */
    @Override
    public void accept(Connection connection) {
        open.add(connection);
        connection.onDispose(() -> open.remove(connection));
        if (closed) {
            connection.dispose();
        }
    }

    /** Connections accepted and not closed yet. */
    int count() {
        return open.size();
    }

    /**
     * Closes every open connection, and every connection tracked from now on. Closing a connection
     * cancels the answer under way on it. Does not block.
     */
    void closeAll() {
        closed = true;
        open.forEach(Connection::dispose);
    }
}
