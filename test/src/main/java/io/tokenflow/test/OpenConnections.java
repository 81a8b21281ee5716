package io.tokenflow.test;

import io.netty.channel.Channel;
import java.util.Map;
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

    /**
     * By channel: Reactor Netty calls {@code doOnConnection} once per request, and on a keep-alive
     * connection every request has its own {@code Connection} over the same channel.
     */
    private final Map<Channel, Connection> open = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Tracks a newly accepted connection; closes it at once if {@link #closeAll()} has run. */
    @Override
    public void accept(Connection connection) {
        Channel channel = connection.channel();
        open.putIfAbsent(channel, connection);
        channel.closeFuture().addListener(closed -> open.remove(channel));
        if (closed) {
            connection.dispose();
        }
    }

    /** TCP connections accepted and not closed yet. */
    int count() {
        return open.size();
    }

    /**
     * Closes every open connection, and every connection tracked from now on. Closing a connection
     * cancels the answer under way on it. Does not block.
     */
    void closeAll() {
        closed = true;
        open.values().forEach(Connection::dispose);
    }
}
