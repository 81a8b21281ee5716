package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
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
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.ReadTimeoutException;
import io.tokenflow.core.store.Credential;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends one token request: built by Nimbus ({@code TokenRequest -> HTTPRequest}), sent by Reactor
 * Netty (never Nimbus' blocking {@code send()}), parsed by Nimbus. Redirects are not followed and
 * the body is capped. Every failure comes out as a classified {@link TokenEndpointException}.
 */
final class TokenEndpointClient implements TokenEndpoint {

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
    /** tokenflow's own pool; null when the user gave an {@code HttpClient} (whose pool is theirs). */
    private final @Nullable ConnectionProvider connections;
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
        this.connections = base != null ? null : ConnectionProvider.builder("tokenflow")
                .maxConnections(4)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
        HttpClient client = connections != null ? HttpClient.create(connections) : base;
        this.http = client
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .responseTimeout(responseTimeout)
                .doOnChannelInit((observer, channel, remote) -> UnreadableAnswer.guard(channel.pipeline()));
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String clientId() {
        return auth.clientId();
    }

    /**
     * One token request: the refresh_token grant when {@code current} has a refresh token, else
     * client_credentials. A server that does not rotate the refresh token keeps the old one.
     *
     * <p>Lazy: each subscription is one attempt with a freshly built request (a new client
     * assertion for {@code private_key_jwt}). Fails only with {@link TokenEndpointException}.
     */
    @Override
    public Mono<Credential> fetch(@Nullable Credential current) {
        String refreshToken = current == null ? null : current.refreshToken().orElse(null);
        Mono<HTTPRequest> request = Mono.fromCallable(() -> build(refreshToken));
        if (auth.signs()) {
            // Signing draws on SecureRandom, which reads /dev/urandom: a blocking call that must not
            // run on the event loop or on the engine's (non-blocking) scheduler threads.
            request = request.subscribeOn(Schedulers.boundedElastic());
        }
        return request.flatMap(built -> {
            String heldToken = current == null ? null : current.accessToken().map(AccessToken::value).orElse(null);
            Redactor redactor = Redactor.forRequest(built, auth.secretForScans(), refreshToken, heldToken);
            return send(built)
                    .timeout(responseTimeout.plus(responseTimeout), Schedulers.parallel())
                    .map(answer -> parse(answer, current, redactor))
                    .onErrorMap(e -> !(e instanceof TokenEndpointException), e -> transportFailure(e, redactor));
        });
    }

    @Override
    public void dispose() {
        if (connections != null) {
            connections.disposeLater().subscribe(null, e -> { });
        }
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
            throw failure(TokenFailure.noAnswer(FailureKind.PERMANENT,
                    "cannot sign the private_key_jwt client assertion: " + safeMessage(e)), null);
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

    private Credential parse(Answer answer, @Nullable Credential current, Redactor redactor) {
        int status = answer.status;
        if (status >= 200 && status < 300) {
            return parseSuccess(answer, current, redactor);
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
        throw failure(TokenFailure.answer(kind, status, code, retryAfter, message), null);
    }

    private Credential parseSuccess(Answer answer, @Nullable Credential current, Redactor redactor) {
        Instant now = now();
        AccessToken token;
        Tokens tokens;
        try {
            JSONObject json = JSONObjectUtils.parse(answer.body);
            Object rawExpiresIn = json.get("expires_in");
            Answer forNimbus = answer;
            if (beyondLongestLifetime(rawExpiresIn)) {
                // Nimbus reads a number beyond 64 bits by wrapping it: 2^64 + 60 would be a 60 s token.
                json.put("expires_in", MAX_LIFETIME.getSeconds());
                forNimbus = new Answer(answer.status, answer.headers, json.toJSONString());
            }
            TokenResponse response = TokenResponse.parse(nimbusResponse(forNimbus));
            if (!response.indicatesSuccess()) {
                throw new ParseException("not a token response");
            }
            tokens = response.toSuccessResponse().getTokens();
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
            Set<String> granted = new LinkedHashSet<>();
            Scope grantedScope = nimbusToken.getScope() != null ? nimbusToken.getScope() : scope;
            if (grantedScope != null) {
                granted.addAll(grantedScope.toStringList());
            }
            token = AccessToken.of(nimbusToken.getValue(), nimbusToken.getType().getValue(), expiresAt, granted);
        } catch (ParseException | RuntimeException e) {
            FailureKind kind = classifier.classifyAnswer(answer.status, null);
            throw failure(TokenFailure.answer(kind, answer.status, null, null,
                    "HTTP " + answer.status + " is not a valid token response (" + describeBody(answer) + "): "
                            + notATokenResponse(answer, e, redactor)), null);
        }
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

    /**
     * Why a 2xx body is not a token response. Nimbus' reason only for a JSON object, whose every
     * string value (a token, say, in an unexpected place) is cut out of it: Nimbus quotes values
     * ("Unsupported token_type: ...").
     */
    private static String notATokenResponse(Answer answer, Throwable e, Redactor redactor) {
        Redactor bodyRedactor = redactor.withValuesOf(answer.body);
        if (!bodyRedactor.bodyWasJsonObject) {
            return answer.body.isBlank() ? "empty body" : "not a JSON object";
        }
        return bodyRedactor.apply(e instanceof ParseException ? String.valueOf(e.getMessage()) : e.getClass().getSimpleName());
    }

    private HTTPResponse nimbusResponse(Answer answer) {
        HTTPResponse response = new HTTPResponse(answer.status);
        // Some servers label JSON text/plain or text/html: the body decides, not the label.
        String contentType = looksLikeJsonObject(answer.body) ? "application/json; charset=UTF-8"
                : answer.headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null) {
            response.setHeader("Content-Type", contentType);
        }
        response.setBody(answer.body);
        return response;
    }

    private static boolean looksLikeJsonObject(String body) {
        return body.stripLeading().startsWith("{");
    }

    private TokenEndpointException transportFailure(Throwable error, Redactor redactor) {
        FailureKind kind = classifier.classifyTransportError(error);
        String message;
        if (error instanceof TimeoutException) {
            message = "no complete answer within " + responseTimeout.plus(responseTimeout).toMillis() + " ms";
        } else if (error instanceof ReadTimeoutException) {
            message = "no answer within the response timeout of " + responseTimeout.toMillis() + " ms";
        } else {
            message = (hasCause(error, SSLException.class) ? "TLS with the token endpoint failed: "
                    : "no complete answer from the token endpoint: ") + redactor.apply(safeMessage(error));
        }
        // The cause is kept for its stack trace unless a message in it quotes a secret (a server
        // can put anything in a status line that a decoder then quotes).
        return failure(TokenFailure.noAnswer(kind, message), redactor.anyIn(error) ? null : error);
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
            if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
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

    /** The media type and size of a body, never its content. */
    private static String describeBody(Answer answer) {
        String type = answer.headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return "no content type, " + answer.body.length() + " chars";
        }
        String media = type.split(";", 2)[0].trim();
        if (media.length() > 60 || !media.chars().allMatch(c -> c > ' ' && c < 127)) {
            media = "unreadable content type";
        }
        return media + ", " + answer.body.length() + " chars";
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** A throwable's type and message, cut short. */
    private static String safeMessage(Throwable e) {
        String message = e.getMessage();
        String text = message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private record Answer(int status, HttpHeaders headers, String body) {
    }

    /**
     * Replaces the cause of an HTTP decoding failure with one that does not quote the answer.
     *
     * <p>Netty's decoder quotes what it could not read ({@code invalid version format: ...}, upper-cased),
     * and Reactor Netty logs that exception at WARN ({@code HttpClientConnect}: "The connection
     * observed an error") before tokenflow sees it. A server that echoes the request where a status
     * line belongs (a form body has no space, so it is one "version" token) would put the client
     * secret or the refresh token into the application's logs. Sits right after the HTTP codec, so
     * that every later handler, Reactor Netty's logging included, sees the sanitized cause.
     */
    @ChannelHandler.Sharable
    static final class UnreadableAnswer extends ChannelInboundHandlerAdapter {

        static final String NAME = "tokenflow.unreadableAnswer";
        private static final UnreadableAnswer INSTANCE = new UnreadableAnswer();

        /** Adds the handler after the HTTP/1.1 codec, when there is one (HTTP/2 is negotiated later and not covered). */
        static void guard(ChannelPipeline pipeline) {
            if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
                pipeline.addAfter(NettyPipeline.HttpCodec, NAME, INSTANCE);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()
                    && !(decoded.decoderResult().cause() instanceof UnreadableAnswerException)) {
                decoded.setDecoderResult(DecoderResult.failure(new UnreadableAnswerException(decoded.decoderResult().cause())));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** An answer that is not HTTP; the decoder's own message is withheld (it may quote the request). */
    static final class UnreadableAnswerException extends DecoderException {
        private static final long serialVersionUID = 1L;

        UnreadableAnswerException(Throwable decoderFailure) {
            super("the answer is not valid HTTP (" + decoderFailure.getClass().getSimpleName()
                    + " in the HTTP decoder; its text is withheld because it may quote the request)");
        }
    }

    /**
     * Cuts secrets out of text that came from the server or the network: the credentials this
     * request carried, the access token it renews, and optionally the string values of a JSON body.
     */
    private static final class Redactor {
        private static final String MARK = "[redacted]";
        /** Body values shorter than this are words ("Bearer"), not credentials. */
        private static final int MIN_BODY_VALUE = 8;

        private final List<String> secrets;
        /** Every secret, in any case (a decoder may upper-case what it quotes); null when there is none. */
        private final @Nullable Pattern pattern;
        final boolean bodyWasJsonObject;

        private Redactor(Collection<String> secrets, boolean bodyWasJsonObject) {
            // Longest first, so that a secret containing another is cut whole.
            this.secrets = secrets.stream().filter(s -> !s.isEmpty()).distinct()
                    .sorted(Comparator.comparingInt(String::length).reversed()).toList();
            this.pattern = this.secrets.isEmpty() ? null : Pattern.compile(
                    this.secrets.stream().map(Pattern::quote).collect(Collectors.joining("|")),
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            this.bodyWasJsonObject = bodyWasJsonObject;
        }

        /**
         * The credentials the request carries, and the access token being renewed: it is not sent,
         * but the server knows it and may quote it (a description naming the token it revokes).
         */
        static Redactor forRequest(HTTPRequest request, @Nullable String clientSecret, @Nullable String refreshToken,
                                   @Nullable String heldAccessToken) {
            List<String> secrets = new ArrayList<>();
            if (clientSecret != null) {
                secrets.add(clientSecret);
            }
            if (refreshToken != null) {
                secrets.add(refreshToken);
            }
            if (heldAccessToken != null) {
                secrets.add(heldAccessToken);
            }
            String authorization = request.getAuthorization();
            if (authorization != null) {
                secrets.add(authorization.substring(authorization.indexOf(' ') + 1).trim());
            }
            try {
                Map<String, List<String>> form = request.getBodyAsFormParameters();
                for (String name : List.of("client_secret", "client_assertion", "refresh_token")) {
                    secrets.addAll(form.getOrDefault(name, List.of()));
                }
            } catch (ParseException | RuntimeException noForm) {
                // Nothing more to hide than what we were given.
            }
            return new Redactor(secrets, false);
        }

        /** Also cuts every string value of {@code body}, when it is a JSON object. */
        Redactor withValuesOf(String body) {
            List<String> all = new ArrayList<>(secrets);
            try {
                collectStrings(JSONObjectUtils.parse(body), all, 0);
                return new Redactor(all, true);
            } catch (ParseException | RuntimeException notJson) {
                return new Redactor(all, false);
            }
        }

        private static void collectStrings(@Nullable Object value, List<String> into, int depth) {
            if (depth > 16) {
                return;
            }
            if (value instanceof String s && s.length() >= MIN_BODY_VALUE) {
                into.add(s);
            } else if (value instanceof Map<?, ?> map) {
                map.values().forEach(v -> collectStrings(v, into, depth + 1));
            } else if (value instanceof Collection<?> list) {
                list.forEach(v -> collectStrings(v, into, depth + 1));
            }
        }

        String apply(String text) {
            return pattern == null ? text : pattern.matcher(text).replaceAll(MARK);
        }

        /** Whether any message in the cause chain of {@code error} contains a secret. */
        boolean anyIn(Throwable error) {
            int depth = 0;
            for (Throwable t = error; t != null && depth < 32; t = t.getCause(), depth++) {
                String message = t.getMessage();
                if (message != null && !apply(message).equals(message)) {
                    return true;
                }
                for (Throwable suppressed : t.getSuppressed()) {
                    if (anyIn(suppressed)) {
                        return true;
                    }
                }
            }
            return false;
        }
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

    private static final java.util.regex.Pattern IPV4_LOOPBACK =
            java.util.regex.Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}");

    static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        // Literals only: a name such as 127.evil.example is not loopback, and no lookup is made.
        return h.equalsIgnoreCase("localhost")
                || IPV4_LOOPBACK.matcher(h).matches()
                || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

}
