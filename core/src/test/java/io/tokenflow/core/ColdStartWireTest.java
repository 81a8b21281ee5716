package io.tokenflow.core;

import static io.tokenflow.core.WorkloadState.Status.STARTING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LogCapture;
import io.tokenflow.test.Loopback;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * What a user sees in the first seconds of a misconfigured start, against real loopback servers
 * with the default retry policy: after the first failed request (the second is at least 5 s away),
 * one WARN with the hint that fits, and a {@code STARTING} state that shows it.
 */
class ColdStartWireTest {

    private static final String CLIENT_ID = "cold-start-client";
    private static final String CLIENT_SECRET = "cold-start-secret-4711";
    /** "HTTP/" as Netty's hex dump of a plain-text answer starts. */
    private static final String HEX_OF_HTTP = "485454502f";

    private EmbeddedAuthorizationServer idp;
    private LogCapture engineLog;
    private LogCapture everyLog;

    @BeforeEach
    void start() {
        idp = EmbeddedAuthorizationServer.builder().client(CLIENT_ID, CLIENT_SECRET).start();
        engineLog = LogCapture.of(ServiceLog.LOGGER);
        everyLog = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterEach
    void stop() {
        everyLog.close();
        engineLog.close();
        idp.close();
    }

    @Test
    void aWrongTokenPathIsOneWarnWithTheUrlHintAndShowsInStartingAfterOneAttempt() {
        URI wrong = idp.issuer().resolve("/oauth/token");
        try (TokenService service = builder(wrong).build()) {
            WorkloadState state = afterTheFirstFailure(service);

            assertThat(state.status()).isEqualTo(STARTING);
            TokenFailure failure = state.lastFailure().orElseThrow();
            assertThat(failure.httpStatus()).hasValue(404);
            assertThat(failure.remediation()).hasValueSatisfying(hint -> assertThat(hint)
                    .startsWith("check the token endpoint URL " + wrong + ": HTTP 404"));
            assertThat(state.nextAttemptAt()).hasValueSatisfying(next -> assertThat(next).isAfter(Instant.now()));
            assertThat(engineLog.messages(Level.WARN)).singleElement().asString()
                    .contains("token request failed", "http=404", "next attempt in ", "To fix: check the token endpoint URL " + wrong);
            System.out.println("404 path, the log:\n  " + String.join("\n  ", engineLog.messages()) + "\n  state: " + state);
        }
    }

    @Test
    void aRefusedPortIsOneWarnAskingWhetherTheServerIsUpAndShowsInStartingAfterOneAttempt() {
        int closed = Loopback.freePort();
        try (TokenService service = builder(Loopback.url(closed, "/oauth2/token")).build()) {
            WorkloadState state = afterTheFirstFailure(service);

            assertThat(state.status()).isEqualTo(STARTING);
            TokenFailure failure = state.lastFailure().orElseThrow();
            assertThat(failure.httpStatus()).isEmpty();
            assertThat(failure.message()).isEqualTo("connection refused by 127.0.0.1:" + closed + " (nothing listens there)");
            assertThat(failure.remediation()).hasValueSatisfying(hint -> assertThat(hint)
                    .startsWith("is the authorization server up at 127.0.0.1:" + closed + "?"));
            assertThat(engineLog.messages(Level.WARN)).singleElement().asString()
                    .contains("connection refused", "To fix: is the authorization server up at 127.0.0.1:" + closed + "?");
            System.out.println("refused port, the log:\n  " + String.join("\n  ", engineLog.messages()) + "\n  state: " + state);
        }
    }

    @Test
    void httpsToAPlainHttpPortIsOneLineWithoutHexOrStackTraceInEveryLog() {
        URI https = URI.create("https://127.0.0.1:" + idp.port() + "/oauth2/token");
        try (TokenService service = builder(https).build()) {
            WorkloadState state = afterTheFirstFailure(service);

            TokenFailure failure = state.lastFailure().orElseThrow();
            assertThat(failure.message()).isEqualTo("TLS handshake failed: 127.0.0.1:" + idp.port()
                    + " answered in plain text, not TLS (https:// to a plain-HTTP port?)");
            assertThat(failure.remediation()).hasValueSatisfying(hint -> assertThat(hint).startsWith("https to a plain-HTTP port?"));
            assertThat(engineLog.messages(Level.WARN)).singleElement().asString().contains("https to a plain-HTTP port?");
            Await.until("Reactor Netty's line about the connection", () -> clientConnectionLines().length > 0);
            assertThat(clientConnectionLines()).as("Reactor Netty's lines for the one attempt").singleElement().asString()
                    .contains("in plain text, not TLS").doesNotContain("\tat ");
            assertThat(everyLog.rendered()).noneSatisfy(line -> assertThat(line).containsIgnoringCase(HEX_OF_HTTP));
            assertThat(everyLog.rendered()).noneSatisfy(line -> assertThat(line).contains("NotSslRecordException"));
        }
    }

    @Test
    void anHttp2ClientMeetingAnHttp11ServerFailsInOneLineWithoutNettysHexDump() {
        try (TokenService service = builder(idp.tokenEndpoint()).httpClient(HttpClient.create().protocol(HttpProtocol.H2C)).build()) {
            WorkloadState state = afterTheFirstFailure(service);

            TokenFailure failure = state.lastFailure().orElseThrow();
            assertThat(failure.message()).startsWith("HTTP/2 with the token endpoint failed (PROTOCOL_ERROR)")
                    .doesNotContain("Hex dump").doesNotContainIgnoringCase(HEX_OF_HTTP);
            assertThat(everyLog.rendered()).noneSatisfy(line -> assertThat(line).containsIgnoringCase(HEX_OF_HTTP));
        }
    }

    private TokenService.Builder builder(URI endpoint) {
        return TokenService.builder().tokenEndpoint(endpoint).clientCredentials(CLIENT_ID, CLIENT_SECRET);
    }

    /** The state as it is right after the first failed request (the default short retry waits 5 s or more for the next). */
    private static WorkloadState afterTheFirstFailure(TokenService service) {
        AtomicReference<WorkloadState> seen = new AtomicReference<>();
        Await.until("the first request failed", () -> {
            WorkloadState state = service.state();
            seen.set(state);
            return state.consecutiveFailures() > 0;
        });
        assertThat(seen.get().consecutiveFailures()).as("one attempt so far").isEqualTo(1);
        return seen.get();
    }

    /** What Reactor Netty's client logged about its connections. */
    private String[] clientConnectionLines() {
        return everyLog.rendered().stream().filter(line -> line.contains("reactor.netty.http.client")).toArray(String[]::new);
    }
}
