package io.tokenflow.core;

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
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Looks for secrets where they must never be: every log event that reaches the root logger while
 * it is attached (the formatted message, and the throwable's whole printed trace: messages, causes,
 * suppressed), and every text handed to {@link #text} ({@code toString()}s, exceptions with their
 * stack traces). Secrets are compared in any letter case (a decoder may upper-case what it quotes).
 *
 * <p>The fake token endpoints' own loggers (WireMock, Jetty) are counted but not scanned: they are
 * the server's logs, which quote the requests they receive by design.
 *
 * <p>While attached, Netty and Reactor Netty log at DEBUG (their defaults in an application are
 * WARN), so that the scan also covers what an operator sees after turning their logging up.
 */
final class SecretScan implements AutoCloseable {

    private static final List<String> SERVER_LOGGERS = List.of("wiremock", "com.github.tomakehurst", "org.eclipse.jetty");
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
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
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

    /** Attaches to the root logger until {@link #close()}. */
    static SecretScan attach() {
        return new SecretScan();
    }

    /** Names what runs now (a matrix row), so that a finding says where it came from. */
    void during(String what) {
        this.currentContext = what;
    }

    /** A value that must never appear; {@code label} names it in findings (never the value itself). */
    synchronized void secret(String label, @Nullable String value) {
        if (value != null && !value.isBlank()) {
            secrets.putIfAbsent(value, label + " (" + value.length() + " chars)");
        }
    }

    /** The secret and what HTTP Basic makes of it: Base64 of {@code urlencode(id):urlencode(secret)} (RFC 6749 §2.3.1). */
    void basicCredentials(String clientId, String clientSecret) {
        secret("client secret", clientSecret);
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        secret("Basic credentials", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        secret("Basic credentials, raw pair", clientId + ":" + clientSecret);
    }

    /** A private key: its encoding in Base64 and Base64url, and its private number in decimal and hex. */
    void privateKey(PrivateKey key) {
        secret("private key, Base64", Base64.getEncoder().encodeToString(key.getEncoded()));
        secret("private key, Base64url", Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded()));
        BigInteger d = key instanceof RSAPrivateKey rsa ? rsa.getPrivateExponent()
                : key instanceof ECPrivateKey ec ? ec.getS() : null;
        if (d != null) {
            secret("private key number, decimal", d.toString());
            secret("private key number, hex", d.toString(16));
        }
    }

    /** Scans {@code value}'s text later: its {@code toString()}, or for a throwable its whole printed trace. */
    void text(String where, @Nullable Object value) {
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

    int logEvents() {
        return logEvents.get();
    }

    int logEventsWithThrowable() {
        return withThrowable.get();
    }

    int serverLogEvents() {
        return serverEvents.get();
    }

    int texts() {
        return texts.get();
    }

    /** How many secrets of each kind are looked for. */
    synchronized Map<String, Long> secretKinds() {
        return secrets.values().stream().collect(java.util.stream.Collectors.groupingBy(
                label -> label.substring(0, label.lastIndexOf(" (")), LinkedHashMap::new, java.util.stream.Collectors.counting()));
    }

    /** Every place a secret was found: "context / where: label". Empty when clean. */
    List<String> findings() {
        return findings(null);
    }

    /** The findings in what was captured while {@code context} ran (all of them for null). */
    List<String> findings(@Nullable String context) {
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

    /** Log events captured so far from loggers whose name starts with {@code prefix}, as scanned text. */
    List<String> logged(String prefix) {
        synchronized (captured) {
            return captured.stream().filter(c -> c.where.startsWith("log " + prefix)).map(Captured::text).toList();
        }
    }

    String summary() {
        return "secret scan: " + logEvents() + " log events scanned (" + logEventsWithThrowable() + " with a throwable; "
                + serverLogEvents() + " from the fake servers not scanned), " + texts() + " toString()/exception texts, "
                + secretKinds().values().stream().mapToLong(Long::longValue).sum() + " secrets looked for " + secretKinds();
    }

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
            StringBuilder text = new StringBuilder(event.getLevel() + " " + logger + " [" + event.getThreadName() + "] ")
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
