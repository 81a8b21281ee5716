package io.tokenflow.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.SecretScan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's main job: the scripted demo reaches every state in order and exits 0. */
class DemoTest {

    private static final Pattern STATE_LINE = Pattern.compile("^\\[\\s*[\\d.]+s] state: ([A-Z_]+)", Pattern.MULTILINE);

    /** One run of the scripted scenario (about 40 s), which the tests below read. */
    private static int exitCode;
    private static String output = "";
    private static List<String> secretFindings = List.of();
    private static int logEvents;
    private static List<String> droppedErrors = List.of();

    /** The demo's output and every log line it causes are scanned for its client's secret, in any form. */
    @BeforeAll
    static void runTheScriptedScenario() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (SecretScan scan = SecretScan.attach();
                io.tokenflow.test.LogCapture operators = io.tokenflow.test.LogCapture.of("reactor.core.publisher.Operators");
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            scan.basicCredentials("demo-client", "demo-secret");
            exitCode = new Demo(out).runScripted(0);
            output = printed.toString(StandardCharsets.UTF_8);
            scan.text("demo output", output);
            logEvents = scan.logEvents();
            secretFindings = scan.findings();
            droppedErrors = operators.messages();
        }
    }

    @Test
    void theScriptedScenarioWalksEveryStateInOrderAndSucceeds() {
        assertThat(exitCode).as(output).isZero();
        Matcher states = STATE_LINE.matcher(output);
        List<String> seen = states.results().map(m -> m.group(1)).toList();
        assertThat(seen).as(output).containsExactly(
                "STARTING", "RUNNING", "DEGRADED", "AUTH_RETRYING", "RUNNING", "UNAUTHENTICATED", "RUNNING");
        assertThat(output).contains("GET /hello -> 200 hello", "GET /hello -> not sent, no token (AUTH_RETRYING",
                "GET /hello -> not sent, no token (UNAUTHENTICATED", "script: done, every state reached");
    }

    /** Stopping lets the call in flight end: cancelled mid-answer, WebClient drops an error nobody can handle. */
    @Test
    void theScenarioEndsWithoutAnErrorNobodyHandles() {
        assertThat(droppedErrors).as("Reactor's dropped errors and values").isEmpty();
    }

    @Test
    void theScriptedScenarioShowsNoSecret() {
        assertThat(logEvents).as("log events scanned").isPositive();
        assertThat(secretFindings).as("the client secret in the demo's output or logs").isEmpty();
    }

    /** Item 7 of issue 13: where the status routes are, why DEGRADED comes later, one kind of time. */
    @Test
    void theScriptedScenarioSaysWhereTheStatusIsWhyDegradedComesLaterAndPrintsOnlyRelativeTimes() {
        assertThat(output).containsPattern("status routes: http://127\\.0\\.0\\.1:\\d+/health, /health/demo, /status, "
                + "/status/stream \\(a free port; --status-port N to choose one\\)");
        assertThat(output).containsPattern("status page: open http://127\\.0\\.0\\.1:\\d+/status/ui to watch the outage and recovery live");
        assertThat(output).containsPattern("callers keep getting the held token \\(it expires at \\+\\d+\\.\\ds\\); the service "
                + "notices the outage at its refresh ahead of expiry \\(about \\+\\d+\\.\\ds");
        assertThat(output).contains("says DEGRADED once that refresh and its 2 short retries have failed");
        assertThat(output).containsPattern("state: DEGRADED, token expires at \\+\\d+\\.\\ds, last failure: .*, next attempt at \\+");
        assertThat(output).as("no absolute instant").doesNotContainPattern("\\d{4}-\\d{2}-\\d{2}T\\d{2}:");
    }

    @Test
    void theRealServerModeSaysItRunsUntilStoppedAndWhereTheStatusIs() throws Exception {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("real-client", "real-secret").start()) {
            DemoOptions options = DemoOptions.parse(new String[] {"--token-endpoint", idp.tokenEndpoint().toString(),
                    "--client-id", "real-client"}, Map.of(DemoOptions.SECRET_VARIABLE, "real-secret"));
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            CountDownLatch stop = new CountDownLatch(1);
            try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
                Demo demo = new Demo(out);
                CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> {
                    try {
                        return demo.runAgainst(options, stop);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Await.until("the first token", () -> printed.toString(StandardCharsets.UTF_8).contains("token ok"));
                stop.countDown();

                assertThat(running.get(10, TimeUnit.SECONDS)).isZero();
            }
            String output = printed.toString(StandardCharsets.UTF_8);
            assertThat(output).contains("running against " + idp.tokenEndpoint() + " until you stop it (Ctrl-C)",
                    "(a free port; --status-port N to choose one)", "state: RUNNING, token expires at +", "stopped");
        }
    }

    @Test
    void theStatusPortCanBeChosen() {
        assertThat(DemoOptions.parse(new String[] {"--status-port", "8081"}, Map.of()).statusPort()).isEqualTo(8081);
        assertThat(DemoOptions.parse(new String[0], Map.of()).statusPort()).isZero();
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--status-port", "http"}, Map.of()))
                .hasMessageContaining("--status-port must be a port");
    }

    @Test
    void optionsPointTheDemoAtARealEndpointWithTheSecretFromTheEnvironment() {
        DemoOptions options = DemoOptions.parse(new String[] {"--token-endpoint", "https://idp.example/token",
                "--client-id", "me", "--scope", "api.read api.write"}, Map.of(DemoOptions.SECRET_VARIABLE, "s3cret"));

        assertThat(options.tokenEndpoint()).hasToString("https://idp.example/token");
        assertThat(options.clientId()).isEqualTo("me");
        assertThat(options.clientSecret()).isEqualTo("s3cret");
        assertThat(options.toString()).doesNotContain("s3cret");
        assertThat(DemoOptions.parse(new String[0], Map.of()).tokenEndpoint()).isNull();
    }

    @Test
    void badOptionsSayWhatIsMissing() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--token-endpoint", "https://idp.example/token"}, Map.of()))
                .hasMessageContaining("--client-id");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--token-endpoint", "https://idp.example/token",
                "--client-id", "me"}, Map.of())).hasMessageContaining(DemoOptions.SECRET_VARIABLE);
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--frobnicate", "x"}, Map.of()))
                .hasMessageContaining("unknown option --frobnicate");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--client-id"}, Map.of()))
                .hasMessageContaining("missing value");
    }
}
