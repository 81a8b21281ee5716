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
class BearerClientRequest implements ClientRequest {

    private final ClientRequest request;
    static final String DPOP = "DPoP";

    private final String authorization;
    private @Nullable HttpHeaders headers;

    BearerClientRequest(ClientRequest request, String authorization) {
        this.request = request;
        this.authorization = authorization;
    }

    /** A DPoP-bound token's request: {@code Authorization: DPoP <token>} and its proof (a subclass, so a Bearer request stays small). */
    static final class WithProof extends BearerClientRequest {
        private final String proof;

        WithProof(ClientRequest request, String authorization, String proof) {
            super(request, authorization);
            this.proof = proof;
        }

        @Override
        void authorize(HttpHeaders outgoing) {
            super.authorize(outgoing);
            outgoing.set(DPOP, proof);
        }
    }

    /** Sets this request's credentials on {@code outgoing}. */
    void authorize(HttpHeaders outgoing) {
        outgoing.set(HttpHeaders.AUTHORIZATION, authorization);
    }

    @Override
    public Mono<Void> writeTo(ClientHttpRequest outgoing, ExchangeStrategies strategies) {
        // The caller's request has no Authorization (the filter leaves such requests alone), so
        // writing its headers afterwards keeps this one.
        authorize(outgoing.getHeaders());
        return request.writeTo(outgoing, strategies);
    }

    @Override
    public HttpHeaders headers() {
        HttpHeaders merged = headers;
        if (merged == null) {
            HttpHeaders copy = new HttpHeaders();
            copy.putAll(request.headers());
            authorize(copy);
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
