package io.tokenflow.http;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.test.Loopback;
import java.net.URI;

/** WireMock servers on 127.0.0.1, and a token endpoint stub that hands out a sequence of tokens. */
final class WireMocks {

    static final String CLIENT_ID = "client-id";
    static final String CLIENT_SECRET = "client-secret-never-shown";

    private WireMocks() {
    }

    static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().bindAddress(Loopback.HOST).dynamicPort());
        server.start();
        return server;
    }

    static String url(WireMockServer server, String path) {
        return Loopback.url(server.port(), path).toString();
    }

    /** POST /token answers these tokens in order (each valid 1 h), then keeps answering the last. */
    static void tokens(WireMockServer idp, String... values) {
        for (int i = 0; i < values.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "token " + i;
            var stub = post(urlEqualTo("/token"))
                    .inScenario("tokens")
                    .whenScenarioStateIs(state)
                    .willReturn(okJson("{\"access_token\":\"" + values[i] + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
            if (i + 1 < values.length) {
                stub = stub.willSetStateTo("token " + (i + 1));
            }
            idp.stubFor(stub);
        }
    }

    /** A service on {@code idp}'s /token that does not retry in the short term, so failures show at once. */
    static TokenService service(WireMockServer idp) {
        return TokenService.builder()
                .tokenEndpoint(URI.create(url(idp, "/token")))
                .clientCredentials(CLIENT_ID, CLIENT_SECRET)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0))
                .build();
    }
}
