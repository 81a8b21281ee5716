package io.tokenflow.core.store;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The log lines of the file store, on the logger {@code io.tokenflow.core.store.FileCredentialStore},
 * each with the key-values of whoever uses the store. The store knows nothing of its service: the
 * service subscribes to every store call with its key-values (client id, endpoint host) in the
 * Reactor {@code Context} under {@value #CONTEXT_KEY}, as a {@code Map<String, String>}, and the
 * store reads them from there ({@link #in}), so that a JSON log encoder shows the client on the
 * store's lines too. Without them a line has none.
 */
final class StoreLog {

    /** The Reactor {@code Context} key of the key-values; the engine's {@code ServiceLog} writes it. */
    static final String CONTEXT_KEY = "io.tokenflow.log.keyValues";

    /** Lines without key-values: nobody said who uses the store. */
    static final StoreLog NONE = new StoreLog(Map.of());

    private static final Logger log = LoggerFactory.getLogger(FileCredentialStore.class);

    private final Map<?, ?> keyValues;

    private StoreLog(Map<?, ?> keyValues) {
        this.keyValues = keyValues;
    }

    /** The lines for a call subscribed with {@code context}. */
    static StoreLog in(reactor.util.context.ContextView context) {
        Object keyValues = context.getOrDefault(CONTEXT_KEY, null);
        return keyValues instanceof Map<?, ?> map ? new StoreLog(map) : NONE;
    }

    /** A line at {@code level}, with the key-values added; a no-op when the level is off. */
    LoggingEventBuilder at(Level level) {
        LoggingEventBuilder line = log.atLevel(level);
        keyValues.forEach((key, value) -> line.addKeyValue(String.valueOf(key), value));
        return line;
    }
}
