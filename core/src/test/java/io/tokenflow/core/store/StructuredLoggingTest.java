package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LogCapture;
import io.tokenflow.test.ScriptedAnswer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;
import reactor.core.publisher.Mono;

/**
 * Every line tokenflow logs names its client as SLF4J key-values, {@code client_id} and
 * {@code endpoint_host}, so that a JSON encoder shows them as fields: the engine's lines and the
 * credential file store's, though the store knows nothing of the service using it.
 */
class StructuredLoggingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CLIENT_ID = "structured-client";
    private static final String SECRET = "structured-secret-7q1";
    private static final Map<String, Object> CLIENT = Map.of("client_id", CLIENT_ID, "endpoint_host", "127.0.0.1");

    private final EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder()
            .client(CLIENT_ID, SECRET)
            .publicClient(CLIENT_ID + "-public")
            .start();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyLineOfTheEngineCarriesTheClientIdAndTheEndpointHost() {
        try (LogCapture logs = LogCapture.of("io.tokenflow.core", org.slf4j.event.Level.DEBUG)) {
            server.script(ScriptedAnswer.status(503), ScriptedAnswer.oauthError(401, "invalid_client"));
            TokenService service = TokenService.builder()
                    .tokenEndpoint(server.tokenEndpoint())
                    .clientCredentials(CLIENT_ID, SECRET)
                    .retryPolicy(RetryPolicy.defaults().withMinBackoff(Duration.ofMillis(10)))
                    .build();
            try {
                Await.until("UNAUTHENTICATED", () -> service.state().status() == Status.UNAUTHENTICATED);
                service.refresh().block(WAIT);
            } finally {
                service.dispose();
            }

            List<ILoggingEvent> engine = logs.events().stream()
                    .filter(e -> e.getLoggerName().equals("io.tokenflow.core.TokenService")).toList();
            assertThat(engine).extracting(e -> e.getLevel().toString()).contains("WARN", "INFO", "ERROR");
            assertThat(engine).allSatisfy(line -> assertThat(keyValues(line)).as(line.getFormattedMessage()).isEqualTo(CLIENT));
        }
    }

    @Test
    void theFileStoresLinesCarryTheClientOfTheServiceThatCalledIt() throws Exception {
        Path file = dir.resolve("token.json");
        String client = CLIENT_ID + "-public";
        FileCredentialStore.at(file).save(TestCredentials.withRefresh("at-0", server.issueRefreshToken(client),
                Instant.now().minusSeconds(60))).block(WAIT);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (LogCapture logs = LogCapture.of("io.tokenflow.core.store", org.slf4j.event.Level.DEBUG)) {
            TokenService service = TokenService.builder()
                    .tokenEndpoint(server.tokenEndpoint())
                    .clientId(client)
                    .credentialStore(FileCredentialStore.at(file).withPollInterval(Duration.ofMillis(20)))
                    .build();
            try {
                service.token().block(WAIT);
                // An operator writes the file (a temp file renamed over it): the store's watch finds it.
                Path temp = dir.resolve("token.json.new");
                Files.writeString(temp, "{\"version\": 1, \"access_token\": \"at-9\", \"expires_at\": \""
                        + Instant.now().plus(Duration.ofHours(1)) + "\"}");
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
                Await.until("the external credential adopted", () -> "at-9".equals(service.token().block(WAIT).value()));
            } finally {
                service.dispose();
            }

            List<ILoggingEvent> fromTheService = logs.events().stream()
                    .filter(e -> e.getFormattedMessage().contains(file.toString()))
                    .toList();
            assertThat(fromTheService).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains("accessible to its group or to others"))
                    .anySatisfy(m -> assertThat(m).startsWith("wrote "))
                    .anySatisfy(m -> assertThat(m).endsWith(" changed"));
            assertThat(fromTheService).allSatisfy(line -> assertThat(keyValues(line)).as(line.getFormattedMessage())
                    .isEqualTo(Map.of("client_id", client, "endpoint_host", "127.0.0.1")));
        }
    }

    @Test
    void aStoreUsedWithoutAServiceLogsWithoutKeyValues() {
        try (LogCapture logs = LogCapture.of("io.tokenflow.core.store", org.slf4j.event.Level.DEBUG)) {
            FileCredentialStore.at(dir.resolve("alone.json")).save(TestCredentials.generation(1)).then(Mono.empty()).block(WAIT);

            assertThat(logs.events()).isNotEmpty().allSatisfy(line -> assertThat(line.getKeyValuePairs()).isNullOrEmpty());
            assertThat(logs.messages(Level.DEBUG)).anySatisfy(m -> assertThat(m).startsWith("wrote "));
        }
    }

    private static Map<String, Object> keyValues(ILoggingEvent line) {
        Map<String, Object> pairs = new LinkedHashMap<>();
        if (line.getKeyValuePairs() != null) {
            line.getKeyValuePairs().forEach(pair -> pairs.put(pair.key, pair.value));
        }
        return pairs;
    }
}
