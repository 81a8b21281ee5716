package io.tokenflow.test;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalRedisServer} per test class: started before the class's first test, closed after
 * its last. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalRedisServerExtension redis = LocalRedisServerExtension.withoutPersistence();
 * ... redis.server().uri() ...
 * }</pre>
 */
public final class LocalRedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private final boolean appendOnly;
    private volatile @Nullable LocalRedisServer server;

    private LocalRedisServerExtension(boolean appendOnly) {
        this.appendOnly = appendOnly;
    }

    /** A server without persistence ({@link LocalRedisServer#start()}). */
    public static LocalRedisServerExtension withoutPersistence() {
        return new LocalRedisServerExtension(false);
    }

    /** A server with an append-only file ({@link LocalRedisServer#startWithAppendOnlyFile()}). */
    public static LocalRedisServerExtension withAppendOnlyFile() {
        return new LocalRedisServerExtension(true);
    }

    /**
     * The running server.
     *
     * @throws IllegalStateException outside the registering class's tests
     */
    public LocalRedisServer server() {
        LocalRedisServer running = server;
        if (running == null) {
            throw new IllegalStateException("the redis server is started before a test class's first test; register the extension "
                    + "on a static field");
        }
        return running;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = appendOnly ? LocalRedisServer.startWithAppendOnlyFile() : LocalRedisServer.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LocalRedisServer running = server;
        server = null;
        if (running != null) {
            running.close();
        }
    }
}
