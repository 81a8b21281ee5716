package io.tokenflow.http;

import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeStrategies;
import reactor.core.publisher.Mono;

/**
 * A request as the caller built it plus one {@code Authorization} header (and, for a DPoP-bound
 * token, its {@code DPoP} proof). Instead of copying the
 * immutable request (headers, cookies, attributes: about 1 KB per call), it delegates, sets the
 * header on the outgoing request in {@link #writeTo}, and builds a merged {@link #headers()} view
 * only for whoever asks (a logging filter, {@code ClientRequest.from(..)} further down).
 */
final class BearerClientRequest implements ClientRequest {

    private final ClientRequest request;
    static final String DPOP = "DPoP";

    private final String authorization;
    private final @Nullable String proof;
    private @Nullable HttpHeaders headers;

    /** @param proof the {@code DPoP} header value; {@code null} for a Bearer token */
    BearerClientRequest(ClientRequest request, String authorization, @Nullable String proof) {
        this.request = request;
        this.authorization = authorization;
        this.proof = proof;
    }

    @Override
    public Mono<Void> writeTo(ClientHttpRequest outgoing, ExchangeStrategies strategies) {
        // The caller's request has no Authorization (the filter leaves such requests alone), so
        // writing its headers afterwards keeps this one.
        outgoing.getHeaders().set(HttpHeaders.AUTHORIZATION, authorization);
        if (proof != null) {
            outgoing.getHeaders().set(DPOP, proof);
        }
        return request.writeTo(outgoing, strategies);
    }

    @Override
    public HttpHeaders headers() {
        HttpHeaders merged = headers;
        if (merged == null) {
            HttpHeaders copy = new HttpHeaders();
            copy.putAll(request.headers());
            copy.set(HttpHeaders.AUTHORIZATION, authorization);
            if (proof != null) {
                copy.set(DPOP, proof);
            }
            merged = HttpHeaders.readOnlyHttpHeaders(copy);
            headers = merged;
        }
        return merged;
    }

    @Override
    public HttpMethod method() {
        return request.method();
    }

    @Override
    public URI url() {
        return request.url();
    }

    @Override
    public MultiValueMap<String, String> cookies() {
        return request.cookies();
    }

    @Override
    public BodyInserter<?, ? super ClientHttpRequest> body() {
        return request.body();
    }

    @Override
    public Map<String, Object> attributes() {
        return request.attributes();
    }

    @Override
    public @Nullable Consumer<ClientHttpRequest> httpRequest() {
        return request.httpRequest();
    }

    @Override
    public String logPrefix() {
        return request.logPrefix();
    }

    @Override
    public String toString() {
        return request.method() + " " + request.url() + " (with Authorization)";
    }
}
