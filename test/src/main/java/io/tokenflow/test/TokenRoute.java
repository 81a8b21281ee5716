package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP side of the token endpoint: counts each {@code POST}, holds it where the test asked,
 * answers from the script, the current {@link Fault} or the {@link TokenIssuer}, and writes the
 * {@link Answer}. Runs on Reactor Netty's event loops and never blocks: every delay is a
 * {@link Mono#delay}, every hold a sink.
 */
final class TokenRoute {

    static final String PATH = "/oauth2/token";
    static final String DPOP_NONCE = "DPoP-Nonce";

    private static final Answer SERVICE_UNAVAILABLE = Answer.text(
            503, Answer.PLAIN_TYPE, "Service Unavailable", Map.of("Retry-After", "1"));
    private static final Answer WAF_FORBIDDEN = Answer.text(
            403,
            "text/html;charset=UTF-8",
            "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>\n"
                    + "<body><h1>Access Denied</h1><p>Your request was blocked by the web application "
                    + "firewall.</p></body></html>\n",
            Map.of());
    private static final Answer INVALID_GRANT = Answer.oauthError("invalid_grant");

    private final String path;
    private final TokenIssuer issuer;
    private final DpopCheck dpop;
    private final Duration slowDelay;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final Queue<ScriptedAnswer> script = new ConcurrentLinkedQueue<>();
    private final Queue<RequestHold> nextRequest = new ConcurrentLinkedQueue<>();
    private final Queue<RequestHold> beforeRotate = new ConcurrentLinkedQueue<>();
    private final Queue<RequestHold> afterRotate = new ConcurrentLinkedQueue<>();
    private volatile Fault fault = Fault.HEALTHY;

    /** @param issuerPath the issuer's path, empty or starting with {@code /}; the token path follows it */
    TokenRoute(String issuerPath, TokenIssuer issuer, DpopCheck dpop, Duration slowDelay) {
        this.path = issuerPath + PATH;
        this.issuer = issuer;
        this.dpop = dpop;
        this.slowDelay = slowDelay;
    }

    String path() {
        return path;
    }

    Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
        if (!HttpMethod.POST.equals(request.method())) {
            return Answer.methodNotAllowed(HttpMethod.POST).writeTo(response);
        }
        tokenRequests.incrementAndGet();
        Fault current = fault;
        ScriptedAnswer scripted = script.poll();
        RequestHold anyGrant = nextRequest.poll();
        AtomicReference<Connection> connection = new AtomicReference<>();
        request.withConnection(connection::set);
        Mono<Void> closed = connection.get().onDispose();
        // The body is always read in full before answering, so a keep-alive connection stays usable.
        return request.receive().aggregate().asString(UTF_8).defaultIfEmpty("")
                .flatMap(body -> {
                    boolean refresh = TokenIssuer.isRefreshGrant(
                            request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE), body);
                    RequestHold before = anyGrant != null ? anyGrant : refresh ? beforeRotate.poll() : null;
                    RequestHold after = refresh ? afterRotate.poll() : null;
                    return pass(before, closed)
                            .flatMap(go -> answer(current, scripted, request, body))
                            .flatMap(answer -> pass(after, closed).map(go -> answer));
                })
                .map(answer -> dpop.requiresNonce() ? answer.withHeader(DPOP_NONCE, dpop.nonce()) : answer)
                .flatMap(answer -> Mono.from(answer.writeTo(response)).thenReturn(true))
                .switchIfEmpty(Mono.<Boolean>fromRunnable(() -> connection.get().dispose()))
                .then();
    }

    /** Emits when {@code hold} (if any) lets the request go on; empty if it was aborted. */
    private static Mono<Boolean> pass(@Nullable RequestHold hold, Mono<Void> closed) {
        return hold == null ? Mono.just(true) : hold.hold(closed).filter(released -> released);
    }

    /** The answer to write; empty to close the connection without one. */
    private Mono<Answer> answer(Fault current, @Nullable ScriptedAnswer scripted, HttpServerRequest request,
            String body) {
        if (scripted != null) {
            Mono<Answer> answer = Mono.justOrEmpty(scripted.answer());
            return scripted.delay().isZero() ? answer : Mono.delay(scripted.delay()).then(answer);
        }
        return switch (current) {
            case HEALTHY -> Mono.fromSupplier(() -> healthyAnswer(request, body));
            case SERVICE_UNAVAILABLE -> Mono.just(SERVICE_UNAVAILABLE);
            case WAF_FORBIDDEN -> Mono.just(WAF_FORBIDDEN);
            case SLOW -> Mono.delay(slowDelay).map(tick -> healthyAnswer(request, body));
            case INVALID_GRANT -> Mono.just(INVALID_GRANT);
        };
    }

    /** The grant's answer, after the request's DPoP proof (RFC 9449), if any, was checked. */
    private Answer healthyAnswer(HttpServerRequest request, String body) {
        URI endpoint = URI.create(request.scheme() + "://" + request.requestHeaders().get(HttpHeaderNames.HOST) + path);
        DpopCheck.Result proof = dpop.check(request.requestHeaders().get("DPoP"), "POST", endpoint, null);
        return switch (proof.verdict()) {
            case INVALID -> Answer.oauthError("invalid_dpop_proof");
            case NONCE_REQUIRED -> Answer.oauthError("use_dpop_nonce");
            case NONE, BOUND -> issuer.answer(
                    request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                    request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION),
                    body, proof.jkt());
        };
    }

    Fault fault() {
        return fault;
    }

    void fault(Fault fault) {
        this.fault = fault;
    }

    void script(List<ScriptedAnswer> answers) {
        script.addAll(answers);
    }

    int scripted() {
        return script.size();
    }

    RequestHold holdNextRequest() {
        RequestHold hold = new RequestHold("before the next token request");
        nextRequest.add(hold);
        return hold;
    }

    RequestHold holdBeforeRotate() {
        RequestHold hold = new RequestHold("before the next refresh");
        beforeRotate.add(hold);
        return hold;
    }

    RequestHold holdAfterRotate() {
        RequestHold hold = new RequestHold("after the next refresh");
        afterRotate.add(hold);
        return hold;
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    void resetCounters() {
        tokenRequests.set(0);
    }
}
