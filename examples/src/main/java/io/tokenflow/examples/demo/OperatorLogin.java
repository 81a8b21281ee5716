package io.tokenflow.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Plays an operator's login tool: redeems a fresh login at the token endpoint and writes the
 * credential file in tokenflow's public format, atomically, as any tool may. The running service
 * finds the new content on its next poll.
 */
final class OperatorLogin {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OperatorLogin() {
    }

    /** Blocking: call from main, not from an event loop. */
    static void writeCredential(EmbeddedAuthorizationServer idp, String clientId, String clientSecret, Path file)
            throws IOException {
        String form = "grant_type=refresh_token&refresh_token="
                + URLEncoder.encode(idp.issueRefreshToken(clientId), StandardCharsets.UTF_8);
        String basic = Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
        String answer = HttpClient.create()
                .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Basic " + basic)
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .post()
                .uri(idp.tokenEndpoint())
                .send(reactor.netty.ByteBufFlux.fromString(Mono.just(form)))
                .responseSingle((response, body) -> body.asString())
                .block(Duration.ofSeconds(10));
        JsonNode token = JSON.readTree(answer);
        Instant now = Instant.now();
        ObjectNode credential = JSON.createObjectNode()
                .put("version", 1)
                .put("access_token", token.path("access_token").asText())
                .put("token_type", token.path("token_type").asText("Bearer"))
                .put("expires_at", now.plusSeconds(token.path("expires_in").asLong()).toString())
                .put("refresh_token", token.path("refresh_token").asText())
                .put("issued_at", now.toString())
                .put("token_endpoint", idp.tokenEndpoint().toString())
                .put("client_id", clientId);
        Path temp = Files.createTempFile(file.getParent(), ".operator", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(credential));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
