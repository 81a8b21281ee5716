package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelPipeline;
import io.tokenflow.test.Await;
import io.tokenflow.test.Loopback;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * The handlers that keep Netty's quotes of the server's bytes out of errors and logs sit where
 * the HTTP objects are made, over HTTP/1.1 and on an HTTP/2 stream, and do not get in a token's way.
 */
class WireGuardsTest {

    @Test
    void anHttp2StreamGetsTheDecoderGuardAndATokenStillComes() {
        DisposableServer server = Loopback.httpServer().protocol(HttpProtocol.H2C)
                .route(routes -> routes.post("/token", (request, response) -> response.header("Content-Type", "application/json")
                        .sendString(request.receive().aggregate().asString()
                                .map(form -> "{\"access_token\":\"h2-token-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}"))))
                .bindNow();
        List<List<String>> requestPipelines = new CopyOnWriteArrayList<>();
        HttpClient h2c = HttpClient.create().protocol(HttpProtocol.H2C)
                .doOnResponse((response, connection) -> requestPipelines.add(names(connection.channel().pipeline())));
        try (TokenService service = TokenService.builder().tokenEndpoint(Loopback.url(server, "/token"))
                .clientCredentials("h2-client", "h2-secret-0815").httpClient(h2c).build()) {

            assertThat(service.token().block(Await.DEFAULT_TIMEOUT).value()).isEqualTo("h2-token-1");
            assertThat(requestPipelines).singleElement().satisfies(names -> assertThat(names)
                    .containsSubsequence("reactor.left.h2ToHttp11Codec", UnreadableAnswer.NAME));
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void anHttp11ConnectionGetsTheDecoderGuardAfterItsCodec() {
        DisposableServer server = Loopback.httpServer()
                .route(routes -> routes.post("/token", (request, response) -> response.header("Content-Type", "application/json")
                        .sendString(Mono.just("{\"access_token\":\"h1-token-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}"))))
                .bindNow();
        List<List<String>> requestPipelines = new CopyOnWriteArrayList<>();
        HttpClient http11 = HttpClient.create()
                .doOnResponse((response, connection) -> requestPipelines.add(names(connection.channel().pipeline())));
        try (TokenService service = TokenService.builder().tokenEndpoint(Loopback.url(server, "/token"))
                .clientCredentials("h1-client", "h1-secret-0815").httpClient(http11).build()) {

            assertThat(service.token().block(Await.DEFAULT_TIMEOUT).value()).isEqualTo("h1-token-1");
            assertThat(requestPipelines).singleElement().satisfies(names -> assertThat(names)
                    .containsSubsequence("reactor.left.httpCodec", UnreadableAnswer.NAME)
                    .doesNotContain(PlainTextAnswer.NAME));
        } finally {
            server.disposeNow();
        }
    }

    private static List<String> names(ChannelPipeline pipeline) {
        return List.copyOf(pipeline.names());
    }
}
