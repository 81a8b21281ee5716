package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class LogCaptureTest {

    private static final Logger log = LoggerFactory.getLogger(LogCaptureTest.class);

    @Test
    void messagesOfOneLevelAreCapturedInOrderAndFormatted() {
        try (LogCapture logs = LogCapture.of(LogCaptureTest.class)) {
            log.warn("first {}", 1);
            log.info("an info");
            log.warn("second {}", 2);

            assertThat(logs.messages(Level.WARN)).containsExactly("first 1", "second 2");
            assertThat(logs.messages()).containsExactly(
                    "WARN io.tokenflow.test.LogCaptureTest - first 1",
                    "INFO io.tokenflow.test.LogCaptureTest - an info",
                    "WARN io.tokenflow.test.LogCaptureTest - second 2");
        }
    }

    @Test
    void theKeyValuesOfALineAreKeptOnItsEvent() {
        try (LogCapture logs = LogCapture.of(LogCaptureTest.class)) {
            log.atWarn().addKeyValue("client_id", "orders").log("with a key-value");

            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getKeyValuePairs()).singleElement().satisfies(pair -> {
                    assertThat(pair.key).isEqualTo("client_id");
                    assertThat(pair.value).isEqualTo("orders");
                });
                assertThat(event.getFormattedMessage()).isEqualTo("with a key-value");
            });
        }
    }

    @Test
    void aLoggerNameCapturesTheLoggersBelowIt() {
        try (LogCapture logs = LogCapture.of("io.tokenflow")) {
            log.warn("from below");

            assertThat(logs.messages(Level.WARN)).containsExactly("from below");
        }
    }

    @Test
    void aLevelGivenIsSetWhileAttachedAndRestoredOnClose() {
        Logger quiet = LoggerFactory.getLogger("io.tokenflow.test.quiet");
        try (LogCapture logs = LogCapture.of("io.tokenflow.test.quiet", Level.TRACE)) {
            quiet.trace("seen");

            assertThat(logs.messages(Level.TRACE)).containsExactly("seen");
        }
        assertThat(quiet.isTraceEnabled()).isFalse();
    }

    @Test
    void renderedEventsCarryTheirExceptionWithItsStackTraceAndCause() {
        try (LogCapture logs = LogCapture.of(LogCaptureTest.class)) {
            log.warn("plain");
            log.warn("with an exception", new IllegalStateException("outer", new IllegalArgumentException("inner")));

            assertThat(logs.rendered()).hasSize(2);
            assertThat(logs.rendered().get(0)).isEqualTo("WARN io.tokenflow.test.LogCaptureTest - plain");
            assertThat(logs.rendered().get(1)).startsWith("WARN io.tokenflow.test.LogCaptureTest - with an exception\n"
                    + "java.lang.IllegalStateException: outer").contains("\tat ", "Caused by: java.lang.IllegalArgumentException: inner");
        }
    }

    @Test
    void nothingIsCapturedAfterClose() {
        LogCapture logs = LogCapture.of(LogCaptureTest.class);
        logs.close();

        log.warn("too late");

        assertThat(logs.messages()).isEmpty();
    }
}
