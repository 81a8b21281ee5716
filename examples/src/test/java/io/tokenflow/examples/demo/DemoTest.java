package io.tokenflow.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.test.SecretScan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's main job: the scripted demo reaches every state in order and exits 0. */
class DemoTest {

    private static final Pattern STATE_LINE = Pattern.compile("^\\[\\s*[\\d.]+s] state: ([A-Z_]+)", Pattern.MULTILINE);

    /** The demo's output and every log line it causes are scanned for its client's secret, in any form. */
    @Test
    void theScriptedScenarioWalksEveryStateInOrderAndSucceeds() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exitCode;
        String output;
        try (SecretScan scan = SecretScan.attach();
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            scan.basicCredentials("demo-client", "demo-secret");
            exitCode = new Demo(out).runScripted();
            output = printed.toString(StandardCharsets.UTF_8);
            scan.text("demo output", output);

            assertThat(scan.logEvents()).as("log events scanned").isPositive();
            assertThat(scan.findings()).as("the client secret in the demo's output or logs").isEmpty();
        }

        assertThat(exitCode).as(output).isZero();
        Matcher states = STATE_LINE.matcher(output);
        List<String> seen = states.results().map(m -> m.group(1)).toList();
        assertThat(seen).as(output).containsExactly(
                "STARTING", "RUNNING", "DEGRADED", "AUTH_RETRYING", "RUNNING", "UNAUTHENTICATED", "RUNNING");
        assertThat(output).contains("GET /hello -> 200 hello", "GET /hello -> not sent, no token (AUTH_RETRYING",
                "GET /hello -> not sent, no token (UNAUTHENTICATED", "script: done, every state reached");
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
