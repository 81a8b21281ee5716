package io.tokenflow.test;

import io.netty.handler.codec.http.HttpMethod;
import io.tokenflow.test.EmbeddedAuthorizationServer.Discovery;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Discovery metadata: {@code GET /.well-known/oauth-authorization-server<issuer path>} (RFC 8414
 * §3.1) and {@code GET <issuer path>/.well-known/openid-configuration} (OpenID Connect Discovery
 * 1.0 §4), answered as the current {@link Discovery} mode says. Stateless but for the mode and a
 * counter; never blocks.
 */
final class MetadataRoute {

    static final String RFC_8414 = "/.well-known/oauth-authorization-server";
    static final String OIDC = "/.well-known/openid-configuration";
    /** Appended to the issuer in {@link Discovery#WRONG_ISSUER} mode. */
    static final String MIX_UP = "/mix-up";

    private final String issuerPath;
    private final String tokenPath;
    private final List<String> authMethods;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Discovery discovery = Discovery.SERVED;

    MetadataRoute(String issuerPath, String tokenPath, boolean publicClients) {
        this.issuerPath = issuerPath;
        this.tokenPath = tokenPath;
        this.authMethods = publicClients
                ? List.of("client_secret_basic", "client_secret_post", "none")
                : List.of("client_secret_basic", "client_secret_post");
    }

    boolean serves(String path) {
        return path.equals(RFC_8414 + issuerPath) || path.equals(issuerPath + OIDC);
    }

    Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
        if (!HttpMethod.GET.equals(request.method())) {
            return Answer.methodNotAllowed(HttpMethod.GET).writeTo(response);
        }
        requests.incrementAndGet();
        boolean rfc8414 = request.fullPath().equals(RFC_8414 + issuerPath);
        String base = Loopback.url(request.hostAddress().getPort(), "").toString();
        Answer answer = switch (discovery) {
            case SERVED -> metadata(base + issuerPath, base);
            case WRONG_ISSUER -> metadata(base + issuerPath + MIX_UP, base);
            case RFC_8414_NOT_FOUND -> rfc8414 ? Answer.notFound() : metadata(base + issuerPath, base);
            case RFC_8414_METHOD_NOT_ALLOWED -> rfc8414
                    ? Answer.methodNotAllowed(HttpMethod.POST)
                    : metadata(base + issuerPath, base);
            case OFF -> Answer.notFound();
        };
        return answer.writeTo(response);
    }

    private Answer metadata(String issuer, String base) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("issuer", issuer);
        fields.put("token_endpoint", base + tokenPath);
        fields.put("token_endpoint_auth_methods_supported", authMethods);
        fields.put("grant_types_supported", List.of("client_credentials", "refresh_token"));
        return Answer.publicJson(fields);
    }

    Discovery discovery() {
        return discovery;
    }

    void discovery(Discovery discovery) {
        this.discovery = discovery;
    }

    int requests() {
        return requests.get();
    }

    void resetCounters() {
        requests.set(0);
    }
}
