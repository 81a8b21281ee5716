package io.tokenflow.test;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Captures what one logger (and the loggers below it) logs, for assertions, until closed:
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.of(FileCredentialStore.class)) {
 *     // ...
 *     assertThat(logs.messages(Level.WARN)).singleElement().asString().contains("still watching");
 * }
 * }</pre>
 *
 * <p>Needs Logback as the SLF4J provider of the test run ({@code tokenflow-test} depends on
 * {@code logback-classic}); {@link #of} fails with {@link IllegalStateException} under another.
 * Attaching adds an appender and leaves the others as they are, so the events still reach the
 * console. Thread-safe: events may arrive on any thread while a test reads.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ch.qos.logback.classic.@Nullable Level savedLevel;
    private final boolean levelChanged;
    private final Capture capture = new Capture();
    private final List<ILoggingEvent> events = new ArrayList<>();

    private LogCapture(Logger logger, @Nullable Level level) {
        this.logger = logger;
        this.savedLevel = logger.getLevel();
        this.levelChanged = level != null;
        if (level != null) {
            logger.setLevel(ch.qos.logback.classic.Level.toLevel(level.name()));
        }
        capture.setContext(logger.getLoggerContext());
        capture.setName("log-capture");
        capture.start();
        logger.addAppender(capture);
    }

    /** Captures the logger named after {@code type} ({@code LoggerFactory.getLogger(type)}) at its configured level. */
    public static LogCapture of(Class<?> type) {
        return of(type.getName());
    }

    /** Captures the logger {@code name} and its descendants, at their configured levels. */
    public static LogCapture of(String name) {
        return new LogCapture(logger(name), null);
    }

    /**
     * Captures the logger {@code name} and its descendants, with the logger's level set to {@code level}
     * until {@link #close()} (e.g. {@code DEBUG}, to see what is not logged by default).
     */
    public static LogCapture of(String name, Level level) {
        return new LogCapture(logger(name), Objects.requireNonNull(level, "level"));
    }

    private static Logger logger(String name) {
        Objects.requireNonNull(name, "name");
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext logback)) {
            throw new IllegalStateException("LogCapture needs Logback as the SLF4J provider; found "
                    + factory.getClass().getName());
        }
        return logback.getLogger(name);
    }

    /** The formatted messages logged at exactly {@code level}, oldest first. */
    public List<String> messages(Level level) {
        ch.qos.logback.classic.Level wanted = ch.qos.logback.classic.Level.toLevel(level.name());
        synchronized (events) {
            return events.stream()
                    .filter(e -> e.getLevel().equals(wanted))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    /** Every captured event as {@code "<LEVEL> <logger> - <formatted message>"}, oldest first. */
    public List<String> messages() {
        synchronized (events) {
            return events.stream()
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage())
                    .toList();
        }
    }

    /**
     * Every captured event, oldest first, as Logback made it: for what the messages do not show,
     * such as the SLF4J key-values of a line ({@code ILoggingEvent.getKeyValuePairs()}, which is
     * {@code null} for a line without any).
     */
    public List<ILoggingEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * Every captured event as Logback's console would print it: {@code "<LEVEL> <logger> - <formatted
     * message>"}, then its exception, if any, with its stack trace and causes (one string per event,
     * lines separated by {@code \n}), oldest first. For asserting what an exception put into a log.
     */
    public List<String> rendered() {
        synchronized (events) {
            return events.stream()
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())))
                    .toList();
        }
    }

    /** Detaches from the logger and restores its level if {@link #of(String, Level)} changed it. Idempotent. */
    @Override
    public void close() {
        logger.detachAppender(capture);
        capture.stop();
        if (levelChanged) {
            logger.setLevel(savedLevel);
        }
    }

    private final class Capture extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            synchronized (events) {
                events.add(event);
            }
        }
    }
}
