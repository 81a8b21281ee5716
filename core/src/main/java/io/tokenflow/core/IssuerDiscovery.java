package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.timeout.ReadTimeoutException;
import io.tokenflow.core.TokenPost.Answer;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Finds an issuer's metadata without blocking: {@code GET} the RFC 8414 document
 * ({@code /.well-known/oauth-authorization-server} inserted between the host and the issuer's
 * path), and the OpenID Connect one ({@code <issuer>/.well-known/openid-configuration}) when the
 * first answers 404 or 405. Nimbus parses what comes back ({@link AuthorizationServerMetadata},
 * {@link OIDCProviderMetadata}); its blocking {@code resolve()} is never used. The metadata's
 * {@code issuer} must be the configured one, character for character (RFC 8414 §3.3: mix-up
 * protection), else a permanent failure that names both.
 *
 * <p>Every failure is one {@link TokenEndpointException} classified as a token request's would be
 * (network, 5xx, 429, a 4xx, a 2xx that is no metadata: transient, by the {@link ErrorClassifier}),
 * so the service's short retry and states treat discovery as part of {@code STARTING}. Once found,
 * the metadata is kept for the life of the service that owns this object. Thread-safe.
 */
final class IssuerDiscovery {

    static final String RFC_8414 = "/.well-known/oauth-authorization-server";
    static final String OIDC = "/.well-known/openid-configuration";

    private final URI issuer;
    private final String clientId;
    private final TokenPost http;
    private final ErrorClassifier classifier;
    private final Duration exchangeTimeout;
    private final EndpointSettings settings;
    private volatile @Nullable ServerMetadata known;

    /**
     * @param issuer the configured issuer, {@linkplain #checkIssuer checked}
     * @param settings the wire's settings (timeouts, cap, classifier, clock, the user's {@code HttpClient})
     */
    IssuerDiscovery(URI issuer, EndpointSettings settings, Transport transport) {
        this.issuer = issuer;
        this.settings = settings;
        this.clientId = settings.clientAuth().clientId();
        this.http = transport.post(settings);
        this.classifier = settings.classifier();
        this.exchangeTimeout = settings.responseTimeout().plus(settings.responseTimeout());
    }

    /**
     * Checks a configured issuer: as a token endpoint would be checked ({@code https}, or
     * {@code http} on loopback or after {@code allowInsecureHttp()}), and without query or fragment (RFC 8414 §2).
     *
     * @throws IllegalArgumentException when tokenflow will not use it
     */
    static URI checkIssuer(URI issuer, EndpointSettings settings) {
        try {
            settings.withEndpoint(issuer).checkEndpoint();
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("issuer: " + refused.getMessage());
        }
        if (issuer.getRawQuery() != null || issuer.getRawFragment() != null) {
            throw new IllegalArgumentException("an issuer has no query or fragment (RFC 8414 §2): " + issuer);
        }
        return issuer;
    }

    /** Releases this discovery's own connections (only a client with a TLS identity of its own has them). */
    void dispose() {
        http.dispose();
    }

    URI issuer() {
        return issuer;
    }

    /** The metadata found so far; {@code null} before the first success. */
    @Nullable ServerMetadata known() {
        return known;
    }

    /** The metadata: the one found before, or fetched now (lazily: each subscription one attempt until one succeeds). */
    Mono<ServerMetadata> metadata() {
        return Mono.defer(() -> {
            ServerMetadata m = known;
            if (m != null) {
                return Mono.just(m);
            }
            URI first = rfc8414(issuer);
            return get(first).flatMap(answer -> answer.status() == 404 || answer.status() == 405
                            ? get(oidc(issuer)).map(second -> read(second, oidc(issuer), true))
                            : Mono.just(read(answer, first, false)))
                    .doOnNext(found -> known = found);
        });
    }

    /** RFC 8414 §3.1: the well-known path goes between the host and the issuer's path. */
    static URI rfc8414(URI issuer) {
        String path = issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : issuer.getRawPath();
        return withPath(issuer, RFC_8414 + stripTrailingSlash(path));
    }

    /** OpenID Connect Discovery 1.0 §4: the well-known path is appended to the issuer. */
    static URI oidc(URI issuer) {
        String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
        return withPath(issuer, stripTrailingSlash(path) + OIDC);
    }

    private Mono<Answer> get(URI url) {
        return http.get(url)
                .timeout(exchangeTimeout, Schedulers.parallel())
                .onErrorMap(e -> transportFailure(e, url));
    }

    /** One answer as metadata, or the failure it is. */
    private ServerMetadata read(Answer answer, URI url, boolean openIdConnect) {
        int status = answer.status();
        if (answer.oversized() != null) {
            throw failure(TokenFailure.answer(FailureKind.TRANSIENT, status, null, null,
                    "discovery: GET " + url + " answered HTTP " + status + " over the " + http.maxResponseBytes()
                            + " byte cap (" + answer.oversized() + "), not read"), null);
        }
        if (status < 200 || status >= 300) {
            Duration retryAfter = status == 429 || status == 503
                    ? AnswerParser.retryAfter(answer.header(HttpHeaderNames.RETRY_AFTER), now()) : null;
            throw failure(TokenFailure.answer(classifier.classifyAnswer(status, null), status, null, retryAfter,
                    "discovery: GET " + url + " answered HTTP " + status + " (" + AnswerParser.describeBody(answer) + ")"), null);
        }
        ServerMetadata metadata;
        try {
            metadata = ServerMetadata.of(parse(answer, openIdConnect));
        } catch (ParseException | RuntimeException e) {
            throw failure(TokenFailure.answer(classifier.classifyAnswer(status, null), status, null, null,
                    "discovery: GET " + url + " answered HTTP " + status + " that is not authorization server metadata ("
                            + AnswerParser.describeBody(answer) + "): " + (e instanceof ParseException ? e.getMessage()
                            : e.getClass().getSimpleName())), null);
        }
        if (!metadata.issuer().equals(issuer.toString())) {
            throw failure(TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT,
                    "discovery: the metadata at " + url + " names the issuer '" + metadata.issuer() + "', not the configured '"
                            + issuer + "': refused (RFC 8414 §3.3, mix-up protection)"), null);
        }
        return metadata;
    }

    /** Nimbus reads the document; an OpenID Connect one without OpenID's required members is still RFC 8414 metadata. */
    private static AuthorizationServerMetadata parse(Answer answer, boolean openIdConnect) throws ParseException {
        JSONObject json = AnswerParser.jsonObject(answer.body());
        if (json == null) {
            throw new ParseException(answer.body().isBlank() ? "empty body" : "not a JSON object");
        }
        if (openIdConnect) {
            try {
                return OIDCProviderMetadata.parse(json);
            } catch (ParseException notFullOpenIdMetadata) {
                return AuthorizationServerMetadata.parse(json);
            }
        }
        return AuthorizationServerMetadata.parse(json);
    }

    private TokenEndpointException transportFailure(Throwable error, URI url) {
        if (error instanceof TokenEndpointException te) {
            return te;
        }
        boolean tls = error instanceof SSLException || error.getCause() instanceof SSLException;
        String message;
        if (error instanceof TimeoutException) {
            message = "no complete answer within " + exchangeTimeout.toMillis() + " ms";
        } else if (error instanceof ReadTimeoutException) {
            message = "no answer within the response timeout of " + settings.responseTimeout().toMillis() + " ms";
        } else {
            message = (tls ? "TLS failed: " : "no complete answer: ") + Redactor.safeMessage(error);
        }
        return failure(TokenFailure.of(tls ? FailureOrigin.TLS : FailureOrigin.TRANSPORT, classifier.classifyTransportError(error),
                "discovery: GET " + url + ": " + message), error);
    }

    /** A failure of this issuer's discovery, for {@code clientId}. */
    TokenEndpointException failure(TokenFailure failure, @Nullable Throwable cause) {
        return TokenEndpointException.of(failure, issuer, clientId, cause);
    }

    private Instant now() {
        return Instant.ofEpochMilli(settings.clock().now(TimeUnit.MILLISECONDS));
    }

    private static String stripTrailingSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static URI withPath(URI base, String rawPath) {
        try {
            return new URI(base.getScheme() + "://" + base.getRawAuthority() + rawPath);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot build a metadata URL from " + base, e);
        }
    }
}
