package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One answer a test scripts for the token endpoint of an {@link EmbeddedAuthorizationServer}
 * ({@link EmbeddedAuthorizationServer#script(ScriptedAnswer...)}): a status, headers and body, or a
 * connection closed without an answer, optionally after a delay. Scripted answers are used once
 * each, by token requests in the order they arrive; the server does not look at the request (it is
 * still read in full, and counted by {@link EmbeddedAuthorizationServer#tokenRequests()}).
 *
 * <pre>{@code
 * server.script(
 *         ScriptedAnswer.status(503).withRetryAfter(Duration.ofSeconds(30)),
 *         ScriptedAnswer.closeConnection(),
 *         ScriptedAnswer.oauthError(400, "invalid_grant").withDelay(Duration.ofMillis(200)));
 * }</pre>
 *
 * <p>Immutable and thread-safe; every {@code withX} returns a new value.
 */
public final class ScriptedAnswer {

    private static final String JSON = "application/json;charset=UTF-8";

    /** Null for a connection closed without answer. */
    private final @Nullable Answer answer;
    private final Duration delay;

    private ScriptedAnswer(@Nullable Answer answer, Duration delay) {
        this.answer = answer;
        this.delay = delay;
    }

    /**
     * An answer with this status and an empty {@code text/plain} body.
     *
     * @throws IllegalArgumentException if not in 100..599
     */
    public static ScriptedAnswer status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be in 100..599: " + status);
        }
        return new ScriptedAnswer(Answer.text(status, Answer.PLAIN_TYPE, "", Map.of()), Duration.ZERO);
    }

    /** An {@code application/json} answer; {@code json} is sent as it is, valid JSON or not. */
    public static ScriptedAnswer json(int status, String json) {
        return status(status).withBody(JSON, json);
    }

    /**
     * An RFC 6749 §5.2 error answer: {@code {"error": "<error>"}} as {@code application/json}, with
     * {@code Cache-Control: no-store}.
     *
     * @param error the {@code error} code, e.g. {@code invalid_grant}; written as a JSON string
     */
    public static ScriptedAnswer oauthError(int status, String error) {
        Objects.requireNonNull(error, "error");
        Answer oauth = Answer.json(status, Map.of("error", error));
        return new ScriptedAnswer(oauth, Duration.ZERO);
    }

    /**
     * No answer: the request is read in full, then the connection is closed without a byte written
     * (the client sees a premature close).
     */
    public static ScriptedAnswer closeConnection() {
        return new ScriptedAnswer(null, Duration.ZERO);
    }

    /**
     * Adds a header (a later one of the same name replaces it).
     *
     * @throws IllegalStateException on {@link #closeConnection()}, which writes nothing
     */
    public ScriptedAnswer withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Answer current = written();
        Map<String, String> headers = new LinkedHashMap<>(current.headers());
        headers.put(name, value);
        Answer changed = new Answer(
                current.status(), current.contentType(), Collections.unmodifiableMap(headers), current.body());
        return new ScriptedAnswer(changed, delay);
    }

    /**
     * Adds {@code Retry-After} in whole seconds (RFC 9110 §10.2.3; a fraction is dropped). For the
     * HTTP-date form use {@link #withHeader withHeader("Retry-After", date)}.
     *
     * @throws IllegalArgumentException if negative
     */
    public ScriptedAnswer withRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("Retry-After must not be negative: " + retryAfter);
        }
        return withHeader("Retry-After", Long.toString(retryAfter.toSeconds()));
    }

    /**
     * Replaces the body and its {@code Content-Type}; the body is sent as UTF-8.
     *
     * @throws IllegalStateException on {@link #closeConnection()}, which writes nothing
     */
    public ScriptedAnswer withBody(String contentType, String body) {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        Answer current = written();
        return new ScriptedAnswer(
                new Answer(current.status(), contentType, current.headers(), body.getBytes(UTF_8)), delay);
    }

    /**
     * Answers (or closes) only after {@code delay}, waited for on a Reactor timer
     * ({@code Schedulers.parallel()}), never by a sleeping thread. Zero by default.
     *
     * @throws IllegalArgumentException if negative
     */
    public ScriptedAnswer withDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        return new ScriptedAnswer(answer, delay);
    }

    /** What is written; empty for a connection closed without answer. */
    Optional<Answer> answer() {
        return Optional.ofNullable(answer);
    }

    Duration delay() {
        return delay;
    }

    private Answer written() {
        if (answer == null) {
            throw new IllegalStateException("closeConnection() writes no answer");
        }
        return answer;
    }

    @Override
    public String toString() {
        String what = answer == null ? "close connection" : answer.status() + " " + answer.contentType();
        return "ScriptedAnswer[" + what + (delay.isZero() ? "" : ", after " + delay) + "]";
    }
}
