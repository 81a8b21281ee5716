package io.tokenflow.core.store;

import java.time.Duration;
import java.util.List;

/**
 * A separate JVM running {@link StoreChild} on this JVM's class path: tokenflow-test's
 * {@link io.tokenflow.test.ChildJvm} (line protocol, bounded waits) with this package's main class.
 */
final class ChildJvm implements AutoCloseable {

    static final String PROTOCOL = io.tokenflow.test.ChildJvm.PROTOCOL;

    private final io.tokenflow.test.ChildJvm jvm;

    private ChildJvm(io.tokenflow.test.ChildJvm jvm) {
        this.jvm = jvm;
    }

    /** Starts {@code java -cp <this class path> StoreChild <args>}; the child does not install BlockHound. */
    static ChildJvm start(String name, String... args) {
        return new ChildJvm(io.tokenflow.test.ChildJvm.start(StoreChild.class, name, List.of(), args));
    }

    /** As {@link #start}, without logging: starts ~150 ms sooner (no logback configuration). */
    static ChildJvm startQuiet(String name, String... args) {
        return new ChildJvm(io.tokenflow.test.ChildJvm.start(StoreChild.class, name,
                List.of("-Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider"), args));
    }

    void send(String command) {
        jvm.send(command);
    }

    String expect(String word, Duration within) {
        return jvm.expect(word, within);
    }

    boolean exitsWithin(Duration within) {
        return jvm.exitsWithin(within);
    }

    void kill() {
        jvm.kill();
    }

    String output() {
        return jvm.output();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
