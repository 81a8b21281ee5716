package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.tokenflow.core.AnswerParser.Parsed;
import io.tokenflow.core.AnswerParser.Refused;
import io.tokenflow.core.AnswerParser.Token;
import io.tokenflow.core.store.Credential;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The wire: one token request per subscription, in one-job stages: build ({@link TokenRequests},
 * Nimbus), send ({@link TokenPost}, Reactor Netty, capped, no redirects), parse and classify
 * ({@link AnswerParser}), redact ({@link Redactor}). Every failure comes out as one classified
 * {@link TokenEndpointException}.
 */
final class TokenEndpointClient implements TokenEndpoint {

    /** Deeper cause chains are not followed (and a cyclic one ends). */
    private static final int MAX_CAUSES = 32;
    /** A {@code use_dpop_nonce} answer that brought a new nonce: send once more. */
    private static final Parsed RETRY_WITH_NONCE = new Refused(TokenFailure.noAnswer(FailureKind.TRANSIENT, "use_dpop_nonce"));

    private final EndpointSettings settings;
    private final TokenPost post;
    private final AnswerParser parser;

    /** @param settings {@linkplain EndpointSettings#validated() validated} settings; sent over the tokenflow-wide {@link Transport} */
    TokenEndpointClient(EndpointSettings settings) {
        this(settings, Transport.shared());
    }

    /**
     * @param settings {@linkplain EndpointSettings#validated() validated} settings
     * @param transport the shared connections to send with (unless the settings hold the user's {@code HttpClient})
     */
    TokenEndpointClient(EndpointSettings settings, Transport transport) {
        this.settings = settings;
        this.post = transport.post(settings);
        this.parser = new AnswerParser(settings);
    }

    @Override
    public URI endpoint() {
        return settings.uri();
    }

    @Override
    public String clientId() {
        return settings.clientAuth().clientId();
    }

    /** The own grant's name: {@code client_credentials}, {@code jwt-bearer} or {@code token-exchange}. */
    @Override
    public String ownGrantType() {
        return settings.grant().name();
    }

    @Override
    public boolean hasOwnGrant() {
        return settings.hasOwnGrant();
    }

    /**
     * One token request: the refresh_token grant when {@code current} has a refresh token, else the
     * client's own grant (client_credentials, jwt-bearer, token exchange). A server that does not
     * rotate the refresh token keeps the old one. With DPoP, the request carries a proof, and a
     * server's {@code use_dpop_nonce} answer is answered by one more request with its nonce.
     *
     * <p>Lazy: each subscription is one attempt with a freshly built request (a new client
     * assertion, a freshly fetched grant assertion or subject token, a new proof). Fails only with
     * {@link TokenEndpointException}.
     */
    @Override
    public Mono<Credential> fetch(@Nullable Credential current) {
        return fetch(current, false);
    }

    @Override
    public Mono<Credential> fetchWithOwnGrant(Credential current) {
        return fetch(current, true);
    }

    /** @param ownGrant whether to use the client's own grant even though {@code current} has a refresh token */
    private Mono<Credential> fetch(@Nullable Credential current, boolean ownGrant) {
        String refreshToken = current == null ? null : current.refreshToken().orElse(null);
        String grantRefreshToken = ownGrant ? null : refreshToken;
        Credential renewing = ownGrant && current != null ? current.toBuilder().refreshToken(null).build() : current;
        Mono<AuthorizationGrant> grant = grantRefreshToken != null
                ? Mono.just(new RefreshTokenGrant(new RefreshToken(grantRefreshToken)))
                : settings.grant().grant().onErrorMap(OwnGrant.GrantInputException.class, this::inputFailure);
        List<URI> resources = grantRefreshToken != null ? List.of() : settings.grant().resources();
        return grant.flatMap(g -> send(g, resources, current, renewing, refreshToken, true));
    }

    /** @param nonceRetry whether a {@code use_dpop_nonce} answer may be answered with one more request */
    private Mono<Credential> send(AuthorizationGrant grant, List<URI> resources, @Nullable Credential current,
                                  @Nullable Credential renewing, @Nullable String refreshToken, boolean nonceRetry) {
        Mono<HTTPRequest> request = Mono.fromCallable(() -> TokenRequests.build(settings, grant, resources, now()));
        if (settings.clientAuth().signs()) {
            // Signing draws on SecureRandom, which reads /dev/urandom: a blocking call that must not
            // run on the event loop or on the engine's (non-blocking) scheduler threads.
            request = request.subscribeOn(Schedulers.boundedElastic());
        }
        DpopProofs dpop = settings.binding().dpop();
        if (dpop != null) {
            request = request.flatMap(built -> dpop.proof("POST", built.getURI(), null).map(proof -> {
                built.setHeader(DpopProofs.HEADER, proof);
                return built;
            }));
        }
        return request.flatMap(built -> {
            String heldToken = current == null ? null : current.accessToken().map(AccessToken::value).orElse(null);
            Redactor redactor = Redactor.forRequest(built, settings.clientAuth().secretForScans(), refreshToken, heldToken);
            return post.send(built)
                    .timeout(exchangeTimeout(), Schedulers.parallel())
                    .map(answer -> {
                        boolean newNonce = dpop != null && dpop.nonce(built.getURI(), answer.header(DpopProofs.NONCE_HEADER));
                        Parsed parsed = parser.parse(answer, renewing, redactor);
                        return newNonce && nonceRetry && asksForNonce(parsed) ? RETRY_WITH_NONCE : parsed;
                    })
                    .onErrorMap(e -> transportFailure(e, redactor))
                    .flatMap(parsed -> parsed == RETRY_WITH_NONCE
                            ? send(grant, resources, current, renewing, refreshToken, false)
                            : outcome(parsed));
        });
    }

    /** RFC 9449 §8: the server wants a proof with its nonce, which it sent along. */
    private static boolean asksForNonce(Parsed parsed) {
        return parsed instanceof Refused refused && refused.failure().oauthError().filter("use_dpop_nonce"::equals).isPresent();
    }

    /** The grant's input (assertion, subject token) could not be had: transient, the source may recover. */
    private TokenEndpointException inputFailure(OwnGrant.GrantInputException e) {
        return failure(TokenFailure.of(FailureOrigin.GRANT_INPUT, FailureKind.TRANSIENT, e.getMessage()), null);
    }

    /** Releases the client's own connections, if it has any (a TLS identity of its own); the shared ones are the transport's. */
    @Override
    public void dispose() {
        post.dispose();
    }

    private Mono<Credential> outcome(Parsed parsed) {
        if (parsed instanceof Token token) {
            return Mono.just(token.credential());
        }
        return Mono.error(failure(((Refused) parsed).failure(), null));
    }

    /**
     * A failure before a complete answer, classified, its origin chosen by the exception's type;
     * its message and kept cause never quote a secret, and never what Netty quotes of the server's
     * bytes (the hex dump of a plain-text answer to a TLS handshake, an HTTP/2 frame).
     */
    private TokenEndpointException transportFailure(Throwable error, Redactor redactor) {
        FailureKind kind = settings.classifier().classifyTransportError(error);
        String where = EndpointSettings.hostAndPort(settings.uri());
        FailureOrigin origin = hasCause(error, SSLException.class) ? FailureOrigin.TLS : FailureOrigin.TRANSPORT;
        Http2Exception http2 = cause(error, Http2Exception.class);
        String message;
        if (error instanceof TimeoutException) {
            message = "no complete answer within " + exchangeTimeout().toMillis() + " ms";
        } else if (error instanceof ReadTimeoutException) {
            message = "no answer within the response timeout of " + settings.responseTimeout().toMillis() + " ms";
        } else if (hasCause(error, NotSslRecordException.class) || hasCause(error, PlainTextAnswer.NotTlsException.class)) {
            origin = FailureOrigin.NOT_TLS;
            message = "TLS handshake failed: " + where + " answered in plain text, not TLS (https:// to a plain-HTTP port?)";
        } else if (hasCause(error, ConnectException.class) && !hasCause(error, ConnectTimeoutException.class)) {
            origin = FailureOrigin.CONNECT_REFUSED;
            message = "connection refused by " + where + " (nothing listens there)";
        } else if (hasCause(error, UnknownHostException.class)) {
            origin = FailureOrigin.UNKNOWN_HOST;
            message = "the host name " + settings.uri().getHost() + " does not resolve (DNS)";
        } else if (http2 != null) {
            // Netty's text may quote the server's bytes (a hex dump, a header): only the error code is shown.
            message = "HTTP/2 with the token endpoint failed (" + http2.error() + "): the answer is not valid HTTP/2 "
                    + "(a server that does not speak HTTP/2 on this port?)";
        } else {
            message = (origin == FailureOrigin.TLS ? "TLS with the token endpoint failed: " : "no complete answer from the token endpoint: ")
                    + redactor.apply(Redactor.safeMessage(error));
        }
        // The cause is kept for its stack trace unless a message in it quotes a secret (a server
        // can put anything in a status line that a decoder then quotes) or the server's bytes.
        boolean quotesServer = origin == FailureOrigin.NOT_TLS || http2 != null || redactor.anyIn(error);
        return failure(TokenFailure.of(origin, kind, message), quotesServer ? null : error);
    }

    /** The whole exchange, from the first byte sent to the last one read: twice the response timeout (made per request, not kept). */
    private Duration exchangeTimeout() {
        return settings.responseTimeout().multipliedBy(2);
    }

    private TokenEndpointException failure(TokenFailure failure, @Nullable Throwable cause) {
        return TokenEndpointException.of(failure, endpoint(), clientId(), cause);
    }

    private Instant now() {
        return Instant.ofEpochMilli(settings.clock().now(TimeUnit.MILLISECONDS));
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        return cause(error, type) != null;
    }

    private static <T extends Throwable> @Nullable T cause(Throwable error, Class<T> type) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
