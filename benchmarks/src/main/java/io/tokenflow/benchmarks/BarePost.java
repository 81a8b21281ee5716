package io.tokenflow.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The token request the Azure and Google peers make: what a user of {@code azure-core}'s token
 * caches or of Google's {@code OAuth2Credentials} writes for a client_credentials token, since
 * neither sends one itself. A Reactor Netty POST of the same form and {@code client_secret_basic}
 * header tokenflow sends, over one shared pool configured like tokenflow's (8 connections, 20 s
 * idle time, no redirects, the same timeouts), the answer read with Jackson.
 */
final class BarePost implements AutoCloseable {

    /** One token response. */
    record Token(String value, long expiresInSeconds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] FORM = "grant_type=client_credentials&scope=api.read".getBytes(StandardCharsets.UTF_8);
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            (LoopbackTokenEndpoint.CLIENT_ID + ":" + LoopbackTokenEndpoint.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

    private final ConnectionProvider pool = ConnectionProvider.builder("bench-peer")
            .maxConnections(8)
            .pendingAcquireMaxCount(-1)
            .maxIdleTime(Duration.ofSeconds(20))
            .build();
    private final HttpClient http = HttpClient.create(pool)
            .followRedirect(false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .responseTimeout(Duration.ofSeconds(10));
    private final URI tokenUri;

    BarePost(URI tokenUri) {
        this.tokenUri = tokenUri;
    }

    Mono<Token> fetch() {
        return http
                .headers(h -> h.set("Authorization", BASIC)
                        .set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                        .set("Accept", "application/json")
                        .set("Content-Length", FORM.length))
                .post()
                .uri(tokenUri)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(FORM)))
                .responseSingle((response, body) -> body.asByteArray())
                .map(BarePost::parse);
    }

    private static Token parse(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            return new Token(json.get("access_token").asText(), json.get("expires_in").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
