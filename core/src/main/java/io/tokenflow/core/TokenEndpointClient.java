package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tokenflow.core.store.Credential;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends one token request: built by Nimbus ({@code TokenRequest -> HTTPRequest}), sent by Reactor
 * Netty (never Nimbus' blocking {@code send()}), parsed by Nimbus. Redirects are not followed and
 * the body is capped. Every failure comes out as a classified {@link TokenEndpointException}.
 */
final class TokenEndpointClient {

    /** Longest lifetime believed from {@code expires_in}; larger values are cut to it. */
    static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    private final URI endpoint;
    private final ClientAuth auth;
    private final @Nullable Scope scope;
    private final Map<String, String> parameters;
    private final ErrorClassifier classifier;
    private final int maxResponseBytes;
    private final Duration responseTimeout;
    private final Scheduler clock;
    private final ConnectionProvider connections;
    private final HttpClient http;

    TokenEndpointClient(URI endpoint, ClientAuth auth, Set<String> scopes, Map<String, String> parameters,
                        ErrorClassifier classifier, int maxResponseBytes, Duration connectTimeout,
                        Duration responseTimeout, Scheduler clock, @Nullable HttpClient base) {
        this.endpoint = endpoint;
        this.auth = auth;
        this.scope = scopes.isEmpty() ? null : new Scope(scopes.toArray(String[]::new));
        this.parameters = Map.copyOf(parameters);
        this.classifier = classifier;
        this.maxResponseBytes = maxResponseBytes;
        this.responseTimeout = responseTimeout;
        this.clock = clock;
        // Token requests are rare: idle connections are closed well before a server would drop
        // them, so a refresh an hour later never trips over a stale pooled connection.
        this.connections = ConnectionProvider.builder("tokenflow")
                .maxConnections(4)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
        HttpClient client = base == null ? HttpClient.create(connections) : base;
        this.http = client
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .responseTimeout(responseTimeout);
    }

    URI endpoint() {
        return endpoint;
    }

    String clientId() {
        return auth.clientId();
    }

    /**
     * One token request: the refresh_token grant when {@code current} has a refresh token, else
     * client_credentials. A server that does not rotate the refresh token keeps the old one.
     *
     * <p>Lazy: each subscription is one attempt with a freshly built request (a new client
     * assertion for {@code private_key_jwt}).
     */
    Mono<Credential> fetch(@Nullable Credential current) {
        String refreshToken = current == null ? null : current.refreshToken().orElse(null);
        Mono<HTTPRequest> request = Mono.fromCallable(() -> build(refreshToken));
        if (auth.signs()) {
            // Signing draws on SecureRandom, which reads /dev/urandom: a blocking call that must not
            // run on the event loop or on the engine's (non-blocking) scheduler threads.
            request = request.subscribeOn(Schedulers.boundedElastic());
        }
        return request.flatMap(built -> send(built)
                .timeout(responseTimeout.plus(responseTimeout), Schedulers.parallel())
                .onErrorMap(e -> !(e instanceof TokenEndpointException), this::transportFailure)
                .map(answer -> parse(answer, current)));
    }

    void dispose() {
        connections.disposeLater().subscribe(null, e -> { });
    }

    private HTTPRequest build(@Nullable String refreshToken) {
        AuthorizationGrant grant = refreshToken == null
                ? new ClientCredentialsGrant()
                : new RefreshTokenGrant(new RefreshToken(refreshToken));
        try {
            TokenRequest.Builder builder = auth.request(endpoint, grant, now());
            if (scope != null) {
                builder.scope(scope);
            }
            parameters.forEach(builder::customParameter);
            return builder.build().toHTTPRequest();
        } catch (JOSEException e) {
            throw TokenEndpointException.of(TokenFailure.noAnswer(FailureKind.PERMANENT,
                    "cannot sign the private_key_jwt client assertion: " + e.getMessage()), endpoint, auth.clientId(), null);
        }
    }

    private Mono<Answer> send(HTTPRequest request) {
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes(StandardCharsets.UTF_8);
        return http
                .headers(h -> {
                    for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
                        h.set(header.getKey(), header.getValue());
                    }
                    h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    h.set(HttpHeaderNames.ACCEPT, "application/json");
                })
                .post()
                .uri(request.getURI())
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .response((response, content) -> {
                    int status = response.status().code();
                    long declared = contentLength(response.responseHeaders());
                    if (declared > maxResponseBytes) {
                        // Not subscribing to the content: Reactor Netty closes the connection unread.
                        return Mono.error(tooLarge(status, "declared " + declared + " bytes"));
                    }
                    return content.asByteArray()
                            .collect(() -> new CappedBody(maxResponseBytes), CappedBody::append)
                            // Failing the collect cancels the body: the connection is closed, not drained.
                            .onErrorMap(BodyTooLarge.class, e -> tooLarge(status, "more than " + maxResponseBytes + " bytes"))
                            .map(capped -> new Answer(status, response.responseHeaders(), capped.text()));
                })
                .next();
    }

    private static long contentLength(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException unreadable) {
            return -1;
        }
    }

    private TokenEndpointException tooLarge(int status, String detail) {
        return failure(TokenFailure.answer(FailureKind.TRANSIENT, status, null, null,
                "HTTP " + status + " answer over the " + maxResponseBytes + " byte cap (" + detail + "), not read"), null);
    }

    private Credential parse(Answer answer, @Nullable Credential current) {
        int status = answer.status;
        if (status >= 200 && status < 300) {
            return parseSuccess(answer, current);
        }
        Duration retryAfter = status == 429 || status == 503 ? retryAfter(answer.headers.get(HttpHeaderNames.RETRY_AFTER)) : null;
        String code = null;
        String description = null;
        if (status >= 400) {
            try {
                ErrorObject error = TokenErrorResponse.parse(nimbusResponse(answer)).getErrorObject();
                if (error != null && error.getCode() != null && !error.getCode().isBlank()) {
                    code = error.getCode();
                    description = error.getDescription();
                }
            } catch (ParseException | RuntimeException notAnOAuthError) {
                code = null;
            }
        }
        FailureKind kind = classifier.classifyAnswer(status, code);
        String message = status >= 300 && status < 400
                ? "HTTP " + status + " redirect not followed (credentials are never sent to a redirect target)"
                : "HTTP " + status + (code == null ? " without an OAuth error (" + describeBody(answer) + ")"
                : " " + code + (description == null ? "" : ": " + description));
        throw failure(TokenFailure.answer(kind, status, code, retryAfter, message), null);
    }

    private Credential parseSuccess(Answer answer, @Nullable Credential current) {
        AccessTokenResponse ok;
        long expiresIn;
        try {
            TokenResponse response = TokenResponse.parse(nimbusResponse(answer));
            if (!response.indicatesSuccess()) {
                throw new ParseException("HTTP " + answer.status + " is not a token response");
            }
            ok = response.toSuccessResponse();
            JSONObject json = JSONObjectUtils.parse(answer.body);
            Object rawExpiresIn = json.get("expires_in");
            expiresIn = rawExpiresIn == null ? 0 : ok.getTokens().getAccessToken().getLifetime();
            if (rawExpiresIn != null && expiresIn <= 0) {
                throw new ParseException("expires_in must be a positive number of seconds, was " + rawExpiresIn);
            }
        } catch (ParseException | RuntimeException e) {
            FailureKind kind = classifier.classifyAnswer(answer.status, null);
            throw failure(TokenFailure.answer(kind, answer.status, null, null,
                    "HTTP " + answer.status + " is not a valid token response (" + describeBody(answer) + "): "
                            + safeMessage(e)), null);
        }
        Tokens tokens = ok.getTokens();
        com.nimbusds.oauth2.sdk.token.AccessToken nimbusToken = tokens.getAccessToken();
        Instant now = now();
        Instant expiresAt = expiresIn > 0 ? now.plus(Duration.ofSeconds(Math.min(expiresIn, MAX_LIFETIME.getSeconds()))) : null;
        Set<String> granted = new LinkedHashSet<>();
        Scope grantedScope = nimbusToken.getScope() != null ? nimbusToken.getScope() : scope;
        if (grantedScope != null) {
            granted.addAll(grantedScope.toStringList());
        }
        AccessToken token = AccessToken.of(nimbusToken.getValue(), nimbusToken.getType().getValue(), expiresAt, granted);
        String oldRefresh = current == null ? null : current.refreshToken().orElse(null);
        String newRefresh = tokens.getRefreshToken() == null ? oldRefresh : tokens.getRefreshToken().getValue();
        Credential.Builder next = current == null ? Credential.builder() : current.toBuilder();
        next.accessToken(token)
                .refreshToken(newRefresh)
                .issuedAt(now)
                .tokenEndpoint(endpoint)
                .clientId(auth.clientId());
        if (newRefresh != null && !newRefresh.equals(oldRefresh)) {
            next.refreshTokenRotatedAt(now);
        }
        return next.build();
    }

    private HTTPResponse nimbusResponse(Answer answer) {
        HTTPResponse response = new HTTPResponse(answer.status);
        String contentType = answer.headers.get(HttpHeaderNames.CONTENT_TYPE);
        // Some servers send JSON as text/plain; the body decides, not the label.
        if (answer.body.stripLeading().startsWith("{")
                && (contentType == null || !contentType.toLowerCase().contains("json"))) {
            contentType = "application/json";
        }
        if (contentType != null) {
            response.setHeader("Content-Type", contentType);
        }
        response.setBody(answer.body);
        return response;
    }

    private TokenEndpointException transportFailure(Throwable error) {
        FailureKind kind = classifier.classifyTransportError(error);
        return failure(TokenFailure.noAnswer(kind, "no answer from the token endpoint: " + safeMessage(error)), error);
    }

    private TokenEndpointException failure(TokenFailure failure, @Nullable Throwable cause) {
        return TokenEndpointException.of(failure, endpoint, auth.clientId(), cause);
    }

    /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    @Nullable Duration retryAfter(@Nullable String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now(), at);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS));
    }

    private static String describeBody(Answer answer) {
        String type = answer.headers.get(HttpHeaderNames.CONTENT_TYPE);
        return (type == null ? "no content type" : type) + ", " + answer.body.length() + " chars";
    }

    /** A throwable's message without anything from the body (which could echo a secret). */
    private static String safeMessage(Throwable e) {
        String message = e.getMessage();
        String name = e.getClass().getSimpleName();
        if (e instanceof ParseException || message == null) {
            return message == null ? name : message.length() > 160 ? message.substring(0, 160) + "..." : message;
        }
        return name + ": " + message;
    }

    private record Answer(int status, HttpHeaders headers, String body) {
    }

    /** Accumulates a response body and fails as soon as it passes the cap. */
    private static final class CappedBody {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        private final int max;

        CappedBody(int max) {
            this.max = max;
        }

        void append(byte[] chunk) {
            if (bytes.size() + chunk.length > max) {
                throw new BodyTooLarge();
            }
            bytes.write(chunk, 0, chunk.length);
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }

    static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

}
