package io.tokenflow.test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Looks for secrets where they must never be: every log event that reaches the root logger while
 * it is attached (the formatted message, and the throwable's whole printed trace: messages, causes,
 * suppressed), and every text handed to {@link #text} ({@code toString()}s, exceptions with their
 * stack traces, response bodies). Secrets are compared in any letter case (a decoder may upper-case
 * what it quotes).
 *
 * <pre>{@code
 * try (SecretScan scan = SecretScan.attach()) {
 *     scan.basicCredentials("client-id", secret);
 *     // ... run the code under test; hand what it shows to scan.text(..)
 *     assertThat(scan.findings()).isEmpty();
 * }
 * }</pre>
 *
 * <p>{@link SecretScanExtension} runs one over a whole test class. The loggers of fake servers that
 * quote the requests they receive by design (WireMock: {@code wiremock},
 * {@code com.github.tomakehurst}; Jetty: {@code org.eclipse.jetty}) are counted but not scanned;
 * the {@link EmbeddedAuthorizationServer} never logs a secret, so it is scanned.
 *
 * <p>While attached, Netty, Reactor Netty and tokenflow ({@code io.tokenflow}) log at DEBUG (an
 * application's defaults are WARN or INFO), so that the scan also covers what an operator sees
 * after turning their logging up; {@link #close()} restores their levels.
 *
 * <p>Needs Logback as the SLF4J provider of the test run ({@code tokenflow-test} depends on
 * {@code logback-classic}). Thread-safe: log events may arrive on any thread. A finding names the
 * secret by its label and length, never by its value.
 */
public final class SecretScan implements AutoCloseable {

    private static final List<String> SERVER_LOGGERS =
            List.of("wiremock", "com.github.tomakehurst", "org.eclipse.jetty");
    /** Logger levels raised while attached; restored on close. */
    private static final Map<String, Level> RAISED = Map.of("reactor.netty", Level.DEBUG, "io.netty", Level.DEBUG,
            "io.tokenflow", Level.DEBUG);

    private final Logger root;
    private final Capture capture = new Capture();
    private final Map<String, @Nullable Level> saved = new LinkedHashMap<>();
    /** value -> label */
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final List<Captured> captured = new ArrayList<>();
    private final AtomicInteger logEvents = new AtomicInteger();
    private final AtomicInteger withThrowable = new AtomicInteger();
    private final AtomicInteger serverEvents = new AtomicInteger();
    private final AtomicInteger texts = new AtomicInteger();
    private volatile String currentContext = "-";

    private record Captured(String context, String where, String text) {
    }

    private SecretScan() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext logging)) {
            throw new IllegalStateException("SecretScan needs Logback as the SLF4J provider; found "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        this.root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        RAISED.forEach((name, level) -> {
            Logger logger = logging.getLogger(name);
            saved.put(name, logger.getLevel());
            logger.setLevel(level);
        });
        capture.setContext(logging);
        capture.setName("secret-scan");
        capture.start();
        root.addAppender(capture);
    }

    /** Attaches to the root logger until {@link #close()}, with no secret registered yet. */
    public static SecretScan attach() {
        return new SecretScan();
    }

    /**
     * Names what runs from now on (a test, a matrix row), so that a finding says where it came from
     * and {@link #findings(String)} can select it. {@code "-"} until called.
     */
    public void during(String what) {
        this.currentContext = what;
    }

    /**
     * A value that must never appear; {@code label} names it in findings (never the value itself).
     * Null or blank values are ignored, so a test may pass what it read without checking.
     * A value registered later is still looked for in everything captured before.
     */
    public synchronized void secret(String label, @Nullable String value) {
        if (value != null && !value.isBlank()) {
            secrets.putIfAbsent(value, label + " (" + value.length() + " chars)");
        }
    }

    /**
     * A client secret and what HTTP Basic makes of it: Base64 of {@code urlencode(id):urlencode(secret)}
     * (RFC 6749 §2.3.1), and the raw {@code id:secret} pair.
     */
    public void basicCredentials(String clientId, String clientSecret) {
        secret("client secret", clientSecret);
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + ":" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        secret("Basic credentials", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        secret("Basic credentials, raw pair", clientId + ":" + clientSecret);
    }

    /** A private key: its encoding in Base64 and Base64url, and (RSA, EC) its private number in decimal and hex. */
    public void privateKey(PrivateKey key) {
        secret("private key, Base64", Base64.getEncoder().encodeToString(key.getEncoded()));
        secret("private key, Base64url", Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded()));
        BigInteger d = key instanceof RSAPrivateKey rsa ? rsa.getPrivateExponent()
                : key instanceof ECPrivateKey ec ? ec.getS() : null;
        if (d != null) {
            secret("private key number, decimal", d.toString());
            secret("private key number, hex", d.toString(16));
        }
    }

    /**
     * Keeps {@code value}'s text to be scanned: its {@code toString()}, or for a throwable its whole
     * printed trace. Null is ignored.
     *
     * @param where names the text in findings, e.g. {@code "token() error"}
     */
    public void text(String where, @Nullable Object value) {
        if (value == null) {
            return;
        }
        String text;
        if (value instanceof Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            text = t + "\n" + trace;
        } else {
            text = String.valueOf(value);
        }
        texts.incrementAndGet();
        synchronized (captured) {
            captured.add(new Captured(currentContext, where, text));
        }
    }

    /** Log events scanned so far (the fake servers' not counted). */
    public int logEvents() {
        return logEvents.get();
    }

    /** Log events scanned so far that carried a throwable. */
    public int logEventsWithThrowable() {
        return withThrowable.get();
    }

    /** Log events of the fake servers' loggers, counted and not scanned. */
    public int serverLogEvents() {
        return serverEvents.get();
    }

    /** Texts handed to {@link #text} so far. */
    public int texts() {
        return texts.get();
    }

    /** How many secrets of each label are looked for, in registration order. */
    public synchronized Map<String, Long> secretKinds() {
        return secrets.values().stream().collect(Collectors.groupingBy(
                label -> label.substring(0, label.lastIndexOf(" (")), LinkedHashMap::new, Collectors.counting()));
    }

    /**
     * Every place a secret was found, as {@code "<context> / <where>: <label> in: <text>"}, the text
     * cut at 400 characters (it is what leaked: it holds the secret). Empty when clean.
     */
    public List<String> findings() {
        return findings(null);
    }

    /** The {@link #findings()} in what was captured while {@link #during context} ran; all of them for null. */
    public List<String> findings(@Nullable String context) {
        Map<String, String> lowered = new LinkedHashMap<>();
        synchronized (this) {
            secrets.forEach((value, label) -> lowered.put(value.toLowerCase(Locale.ROOT), label));
        }
        List<Captured> all;
        synchronized (captured) {
            all = List.copyOf(captured);
        }
        List<String> findings = new ArrayList<>();
        for (Captured c : all) {
            if (context != null && !context.equals(c.context)) {
                continue;
            }
            String text = c.text.toLowerCase(Locale.ROOT);
            lowered.forEach((value, label) -> {
                if (text.contains(value)) {
                    findings.add(c.context + " / " + c.where + ": " + label + " in: " + abbreviate(c.text));
                }
            });
        }
        return findings;
    }

    /**
     * Log events captured so far from loggers whose name starts with {@code prefix}, as scanned:
     * {@code "<LEVEL> <logger> [<thread>] <message>"} and the throwable's trace. They may hold
     * secrets: assert on them, do not print them.
     */
    public List<String> logged(String prefix) {
        synchronized (captured) {
            return captured.stream().filter(c -> c.where.startsWith("log " + prefix)).map(Captured::text).toList();
        }
    }

    /** One line of counts: events and texts scanned, and the secrets looked for by label (no value). */
    public String summary() {
        Map<String, Long> kinds = secretKinds();
        return "secret scan: " + logEvents() + " log events scanned (" + logEventsWithThrowable()
                + " with a throwable; " + serverLogEvents() + " from the fake servers not scanned), " + texts()
                + " toString()/exception texts, " + kinds.values().stream().mapToLong(Long::longValue).sum()
                + " secrets looked for " + kinds;
    }

    /** Detaches from the root logger and restores the levels raised. Idempotent. */
    @Override
    public void close() {
        root.detachAppender(capture);
        capture.stop();
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        saved.forEach((name, level) -> logging.getLogger(name).setLevel(level));
    }

    private static String abbreviate(String text) {
        String line = text.replace('\n', ' ').replace('\r', ' ');
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    private final class Capture extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            String logger = event.getLoggerName();
            if (SERVER_LOGGERS.stream().anyMatch(logger::startsWith)) {
                serverEvents.incrementAndGet();
                return;
            }
            logEvents.incrementAndGet();
            StringBuilder text = new StringBuilder()
                    .append(event.getLevel()).append(' ').append(logger)
                    .append(" [").append(event.getThreadName()).append("] ")
                    .append(event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                withThrowable.incrementAndGet();
                text.append('\n').append(ThrowableProxyUtil.asString(thrown));
            }
            synchronized (captured) {
                captured.add(new Captured(currentContext, "log " + logger, text.toString()));
            }
        }
    }
}
