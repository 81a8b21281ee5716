package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP side of the server: routes {@code POST /oauth2/token}, counts it, applies the current
 * {@link Fault}, and writes the {@link Answer}. Runs on Reactor Netty's event loops and never
 * blocks: the {@link Fault#SLOW} delay is a {@link Mono#delay}.
 */
final class TokenRoute
        implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

    static final String PATH = "/oauth2/token";

    private static final Answer NOT_FOUND =
            Answer.text(404, "text/plain;charset=UTF-8", "Not Found", Map.of());
    private static final Answer METHOD_NOT_ALLOWED =
            Answer.text(405, "text/plain;charset=UTF-8", "Method Not Allowed", Map.of("Allow", "POST"));
    private static final Answer SERVICE_UNAVAILABLE = Answer.text(
            503, "text/plain;charset=UTF-8", "Service Unavailable", Map.of("Retry-After", "1"));
    private static final Answer WAF_FORBIDDEN = Answer.text(
            403,
            "text/html;charset=UTF-8",
            "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>\n"
                    + "<body><h1>Access Denied</h1><p>Your request was blocked by the web application "
                    + "firewall.</p></body></html>\n",
            Map.of());
    private static final Answer INVALID_GRANT = Answer.oauthError("invalid_grant");

    private final TokenIssuer issuer;
    private final Duration slowDelay;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private volatile Fault fault = Fault.HEALTHY;

    TokenRoute(TokenIssuer issuer, Duration slowDelay) {
        this.issuer = issuer;
        this.slowDelay = slowDelay;
    }

    @Override
    public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
        if (!PATH.equals(request.fullPath())) {
            return write(NOT_FOUND, response);
        }
        if (!HttpMethod.POST.equals(request.method())) {
            return write(METHOD_NOT_ALLOWED, response);
        }
        tokenRequests.incrementAndGet();
        Fault current = fault;
        // The body is always read in full before answering, so a keep-alive connection stays usable.
        return request.receive().aggregate().asString(UTF_8).defaultIfEmpty("")
                .flatMap(body -> answer(current, request, body))
                .flatMap(answer -> Mono.from(write(answer, response)));
    }

    private Mono<Answer> answer(Fault current, HttpServerRequest request, String body) {
        return switch (current) {
            case HEALTHY -> Mono.fromSupplier(() -> healthyAnswer(request, body));
            case SERVICE_UNAVAILABLE -> Mono.just(SERVICE_UNAVAILABLE);
            case WAF_FORBIDDEN -> Mono.just(WAF_FORBIDDEN);
            case SLOW -> Mono.delay(slowDelay).map(tick -> healthyAnswer(request, body));
            case INVALID_GRANT -> Mono.just(INVALID_GRANT);
        };
    }

    private Answer healthyAnswer(HttpServerRequest request, String body) {
        return issuer.answer(
                request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION),
                body);
    }

    private static Publisher<Void> write(Answer answer, HttpServerResponse response) {
        response.status(HttpResponseStatus.valueOf(answer.status()))
                .header(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(answer.body().length));
        answer.headers().forEach(response::header);
        return response.sendByteArray(Mono.just(answer.body()));
    }

    Fault fault() {
        return fault;
    }

    void fault(Fault fault) {
        this.fault = fault;
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    void resetCounters() {
        tokenRequests.set(0);
    }
}
