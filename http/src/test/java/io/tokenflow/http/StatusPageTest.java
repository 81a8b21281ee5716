package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenService;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;

/** {@code GET /status/ui} over HTTP: one self-contained page that may load nothing from elsewhere. */
class StatusPageTest {

    @Test
    void thePageIsOneSelfContainedHtmlResourceThatMayLoadNothingElse() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET).start()) {
            TokenService service = TokenService.builder()
                    .tokenEndpoint(idp.tokenEndpoint())
                    .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                    .build();
            DisposableServer server = Http.serve(StatusRoutes.of(Map.of("orders", service)));
            try {
                Http.Reply page = Http.get(server, "/status/ui");

                assertThat(page.status()).isEqualTo(200);
                assertThat(page.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
                assertThat(page.headers().get("Content-Security-Policy"))
                        .startsWith("default-src 'none'; script-src 'sha256-")
                        .contains("; style-src 'sha256-", "connect-src 'self'", "frame-ancestors 'none'");
                assertThat(page.body()).contains("new EventSource(base + '/stream')")
                        .doesNotContain("http://", "https://", "<script src", "<link rel=\"stylesheet\"");
                assertThat(page.body().split("<script>", -1)).hasSize(2);
            } finally {
                server.disposeNow();
                service.dispose();
            }
        }
    }
}
