package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.tokenflow.core.TokenPost.Answer;
import io.tokenflow.core.store.Credential;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;

/**
 * Turns one answer of the token endpoint into one typed result: the new {@link Credential}, or
 * the {@link TokenFailure} it means, classified once by the {@link ErrorClassifier}. The body is
 * parsed as JSON once (Nimbus reads the parsed object) and never copied into a message: only its
 * media type and length, Nimbus' reason with the body's string values cut out, and the server's
 * {@code error_description} with this request's secrets redacted. Pure apart from the clock.
 */
final class AnswerParser {

    /** Longest lifetime believed from {@code expires_in}; larger values are cut to it. */
    static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    /** What one answer means. */
    sealed interface Parsed permits Token, Refused {
    }

    /** A token response: the credential to hold. */
    record Token(Credential credential) implements Parsed {
    }

    /** Anything else: why, classified. */
    record Refused(TokenFailure failure) implements Parsed {
    }

    /** Everything it reads (classifier, cap, endpoint, client id, clock, the requested scopes), read on use: one field per service. */
    private final EndpointSettings settings;

    AnswerParser(EndpointSettings settings) {
        this.settings = settings;
    }

    /**
     * @param current the credential the request renewed: its refresh token is kept when the server does not rotate it
     * @param redactor the secrets of the request, cut out of anything quoted from the answer
     */
    Parsed parse(Answer answer, @Nullable Credential current, Redactor redactor) {
        int status = answer.status();
        if (answer.oversized() != null) {
            // Fixed, not the classifier's: an answer this large is a wrong URL serving a page, not an OAuth error.
            return new Refused(TokenFailure.answer(FailureKind.TRANSIENT, status, null, null,
                    "HTTP " + status + " answer over the " + settings.maxResponseBytes() + " byte cap (" + answer.oversized() + "), not read"));
        }
        JSONObject json = jsonObject(answer.body());
        if (status >= 200 && status < 300) {
            return token(answer, json, current, redactor);
        }
        return new Refused(refusal(answer, json, redactor));
    }

    private Parsed token(Answer answer, @Nullable JSONObject json, @Nullable Credential current, Redactor redactor) {
        try {
            return new Token(credential(answer, json, current, now()));
        } catch (ParseException | RuntimeException e) {
            return new Refused(TokenFailure.answer(settings.classifier().classifyAnswer(answer.status(), null), answer.status(), null, null,
                    "HTTP " + answer.status() + " is not a valid token response (" + describeBody(answer) + "): "
                            + reason(e, json, redactor)));
        }
    }

    /** The credential a 200 token response holds, renewing {@code current}. */
    private Credential credential(Answer answer, @Nullable JSONObject json, @Nullable Credential current, Instant now)
            throws ParseException {
        if (json == null) {
            throw new ParseException(answer.body().isBlank() ? "empty body" : "not a JSON object");
        }
        if (answer.status() != 200) {
            throw new ParseException("not a token response");
        }
        Object rawExpiresIn = json.get("expires_in");
        JSONObject forNimbus = json;
        if (beyondLongestLifetime(rawExpiresIn)) {
            // Nimbus reads a number beyond 64 bits by wrapping it: 2^64 + 60 would be a 60 s token.
            forNimbus = new JSONObject(json);
            forNimbus.put("expires_in", MAX_LIFETIME.getSeconds());
        }
        Tokens tokens = AccessTokenResponse.parse(forNimbus).getTokens();
        com.nimbusds.oauth2.sdk.token.AccessToken nimbusToken = tokens.getAccessToken();
        requireVisibleAscii("access_token", nimbusToken.getValue());
        if (tokens.getRefreshToken() != null) {
            requireVisibleAscii("refresh_token", tokens.getRefreshToken().getValue());
        }
        long expiresIn = rawExpiresIn == null ? 0 : nimbusToken.getLifetime();
        if (rawExpiresIn != null && expiresIn <= 0) {
            throw new ParseException("expires_in must be a positive number of seconds");
        }
        Instant expiresAt = expiresIn > 0 ? now.plus(Duration.ofSeconds(Math.min(expiresIn, MAX_LIFETIME.getSeconds()))) : null;
        Set<String> granted = settings.scopes();
        Scope grantedScope = nimbusToken.getScope();
        if (grantedScope != null && !(grantedScope.size() == settings.scopes().size() && settings.scopes().containsAll(grantedScope.toStringList()))) {
            granted = new LinkedHashSet<>(grantedScope.toStringList());
        }
        AccessToken token = AccessToken.of(nimbusToken.getValue(), nimbusToken.getType().getValue(), expiresAt, granted);
        String oldRefresh = current == null ? null : current.refreshToken().orElse(null);
        String newRefresh = tokens.getRefreshToken() == null ? oldRefresh : tokens.getRefreshToken().getValue();
        Credential.Builder next = current == null ? Credential.builder() : current.toBuilder();
        next.accessToken(token)
                .refreshToken(newRefresh)
                .issuedAt(now)
                .tokenEndpoint(settings.uri())
                .clientId(settings.clientAuth().clientId());
        if (newRefresh != null && !newRefresh.equals(oldRefresh)) {
            next.refreshTokenRotatedAt(now);
        }
        return next.build();
    }

    /** An answer that is neither 2xx nor over the cap: a redirect, or an error with or without an RFC 6749 {@code error}. */
    private TokenFailure refusal(Answer answer, @Nullable JSONObject json, Redactor redactor) {
        int status = answer.status();
        Duration retryAfter = status == 429 || status == 503 ? retryAfter(answer.header(HttpHeaderNames.RETRY_AFTER)) : null;
        String code = null;
        String description = null;
        if (status >= 400 && json != null) {
            try {
                ErrorObject error = ErrorObject.parse(json);
                if (error.getCode() != null && !error.getCode().isBlank()) {
                    code = error.getCode();
                    description = error.getDescription();
                }
            } catch (RuntimeException notAnOAuthError) {
                code = null;
            }
        }
        FailureKind kind = settings.classifier().classifyAnswer(status, code);
        String message;
        if (status >= 300 && status < 400) {
            message = "HTTP " + status + " redirect not followed (credentials are never sent to a redirect target)";
        } else if (code == null) {
            message = "HTTP " + status + " without an OAuth error (" + describeBody(answer) + ")";
        } else {
            // error_description is the one part of a body that is shown (TokenFailure cuts it to
            // 300 chars); a credential of this request, or the access token it renews, that it
            // quotes is still cut out.
            code = redactor.apply(code);
            message = "HTTP " + status + " " + code + (description == null ? "" : ": " + redactor.apply(description));
        }
        return TokenFailure.answer(kind, status, code, retryAfter, message);
    }

    /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    @Nullable Duration retryAfter(@Nullable String header) {
        return retryAfter(header, now());
    }

    /** {@code Retry-After} read at {@code now}; null when absent or unreadable. */
    static @Nullable Duration retryAfter(@Nullable String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now, at);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    /** The body as a JSON object, whatever its label (some servers call JSON text/plain); null when it is none. */
    static @Nullable JSONObject jsonObject(String body) {
        if (!body.stripLeading().startsWith("{")) {
            return null;
        }
        try {
            return JSONObjectUtils.parse(body);
        } catch (ParseException | RuntimeException notJson) {
            return null;
        }
    }

    /**
     * Why a 2xx body is not a token response: Nimbus' reason for a JSON object, with every string
     * value of the body (a token, say, in an unexpected place) cut out, since Nimbus quotes values
     * ("Unsupported token_type: ...").
     */
    private static String reason(Throwable e, @Nullable JSONObject json, Redactor redactor) {
        String reason = e instanceof ParseException ? String.valueOf(e.getMessage()) : e.getClass().getSimpleName();
        return json == null ? reason : redactor.withValuesOf(json).apply(reason);
    }

    /**
     * RFC 6749 A.12 and A.17: access and refresh tokens are {@code 1*VSCHAR} (%x20-7E). Anything else
     * (a CR LF that would split the {@code Authorization} header, bytes that were not UTF-8 and became
     * U+FFFD, any non-ASCII) is a damaged answer, not a token to hand to callers.
     */
    private static void requireVisibleAscii(String member, String value) throws ParseException {
        if (!value.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)) {
            throw new ParseException(member + " has characters outside RFC 6749's VSCHAR (%x20-7E)");
        }
    }

    /** Whether {@code expires_in} is a number (or numeric string) above {@link #MAX_LIFETIME}, however many digits it has. */
    private static boolean beyondLongestLifetime(@Nullable Object expiresIn) {
        if (!(expiresIn instanceof Number) && !(expiresIn instanceof String)) {
            return false;
        }
        try {
            return new BigDecimal(expiresIn.toString().trim()).compareTo(BigDecimal.valueOf(MAX_LIFETIME.getSeconds())) > 0;
        } catch (NumberFormatException notANumber) {
            return false;
        }
    }

    /** The media type and size of a body, never its content. */
    static String describeBody(Answer answer) {
        String type = answer.header(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return "no content type, " + answer.body().length() + " chars";
        }
        String media = type.split(";", 2)[0].trim();
        if (media.length() > 60 || !media.chars().allMatch(c -> c > ' ' && c < 127)) {
            media = "unreadable content type";
        }
        return media + ", " + answer.body().length() + " chars";
    }

    private Instant now() {
        return Instant.ofEpochMilli(settings.clock().now(TimeUnit.MILLISECONDS));
    }
}
