package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad configuration fails at build() (or at the setter) with a message that says what to fix. */
class ConfigurationTest {

    private static final URI LOOPBACK = URI.create("http://127.0.0.1:9/oauth2/token");

    private static TokenService.Builder valid() {
        return TokenService.builder().tokenEndpoint(LOOPBACK).clientCredentials("id", "secret");
    }

    @Test
    void aMissingEndpointIsAnIllegalState() {
        assertThatThrownBy(() -> TokenService.builder().clientCredentials("id", "secret").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tokenEndpoint");
    }

    @Test
    void missingCredentialsAreAnIllegalState() {
        assertThatThrownBy(() -> TokenService.builder().tokenEndpoint(LOOPBACK).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("client credentials are required");
    }

    @Test
    void aPublicClientWithoutARefreshTokenIsAnIllegalState() {
        assertThatThrownBy(() -> TokenService.builder().tokenEndpoint(LOOPBACK).clientId("public").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("client_credentials");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://idp.example/token", "http://10.0.0.1/token", "http://[2001:db8::1]/token",
            "http://127.evil.example/token", "http://127.0.0.1.evil.example/token", "http://localhost.evil.example/token",
            "http://127.1.2.3.example/token"})
    void plainHttpToANonLoopbackHostIsRefused(String endpoint) {
        assertThatThrownBy(() -> valid().tokenEndpoint(URI.create(endpoint)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowInsecureHttp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:1/token", "http://localhost:1/token", "http://[::1]:1/token"})
    void plainHttpOnLoopbackIsAllowed(String endpoint) {
        TokenService service = valid().tokenEndpoint(URI.create(endpoint)).build();
        service.dispose();
        assertThat(service.isDisposed()).isTrue();
    }

    @Test
    void plainHttpAnywhereIsAllowedKnowingly() {
        assertThatCode(() -> valid().tokenEndpoint(URI.create("http://192.0.2.1:1/token")).allowInsecureHttp()
                .connectTimeout(Duration.ofMillis(10)).build().dispose()).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://idp.example/token", "/relative/token", "https:///no-host"})
    void anEndpointThatIsNotAnAbsoluteHttpsUrlIsRefused(String endpoint) {
        assertThatThrownBy(() -> valid().tokenEndpoint(URI.create(endpoint)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute https://");
    }

    @Test
    void credentialsInTheEndpointUrlAreRefusedWithoutRepeatingThem() {
        assertThatThrownBy(() -> valid().tokenEndpoint(URI.create("https://user:pa55word@idp.example/token")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user info")
                .hasMessageNotContaining("pa55word");
    }

    @Test
    void negativeOrZeroDurationsAreRefused() {
        Duration negative = Duration.ofSeconds(-1);
        assertThatThrownBy(() -> valid().refreshAhead(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refreshAhead");
        assertThatThrownBy(() -> valid().refreshAhead(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().expiryMargin(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expiryMargin");
        assertThatThrownBy(() -> valid().defaultLifetime(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("defaultLifetime");
        assertThatThrownBy(() -> valid().connectTimeout(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> valid().responseTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("responseTimeout");
        assertThatThrownBy(() -> RetryPolicy.defaults().withMinBackoff(negative)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minBackoff");
        assertThatThrownBy(() -> RetryPolicy.defaults().withCeiling(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ceiling");
        assertThatThrownBy(() -> RetryPolicy.defaults().withMaxRetries(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.defaults().withJitter(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().refreshJitter(0.9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().maxResponseSize(10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStartupTimeoutThatIsNotPositiveOrAbsurdIsRefusedAtTheCall() {
        assertThatThrownBy(() -> valid().startupTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startupTimeout");
        assertThatThrownBy(() -> valid().startupTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startupTimeout");
        assertThatThrownBy(() -> valid().startupTimeout(Duration.ofDays(100_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3650 days");
        assertThatThrownBy(() -> valid().startupTimeout(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void clientSecretPostWithoutASecretIsAnIllegalState() {
        assertThatThrownBy(() -> TokenService.builder().tokenEndpoint(LOOPBACK).clientId("public").refreshToken("rt")
                .clientSecretPost().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("clientSecretPost");
    }

    @Test
    void absurdlyLongDurationsAreRefusedBeforeTheyCanOverflow() {
        assertThatThrownBy(() -> RetryPolicy.fromEnvironment(Map.of(RetryPolicy.ENV_AUTH_RETRYING_INTERVAL, "200000000d")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3650 days");
        assertThatThrownBy(() -> RetryPolicy.defaults().withCeiling(Duration.ofDays(100_000)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blankOrReservedValuesAreRefused() {
        assertThatThrownBy(() -> valid().clientCredentials(" ", "secret")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientId");
        assertThatThrownBy(() -> valid().clientCredentials("id", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientSecret");
        assertThatThrownBy(() -> valid().scopes("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().requestParameter("client_secret", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set by tokenflow");
    }

    @Test
    void theEnvironmentOverridesTheLongCadence() {
        RetryPolicy policy = RetryPolicy.fromEnvironment(Map.of(
                RetryPolicy.ENV_AUTH_RETRYING_INTERVAL, "90s",
                RetryPolicy.ENV_AUTH_RETRYING_CEILING, "PT6H"));

        assertThat(policy.authRetryingInterval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(policy.ceiling()).isEqualTo(Duration.ofHours(6));
        assertThat(RetryPolicy.fromEnvironment(Map.of())).isEqualTo(new RetryPolicy(5, Duration.ofSeconds(5),
                Duration.ofMinutes(2), 0.5, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(24)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-5m", "0s", "10 minutes", "PT-1M", ""})
    void aBadEnvironmentValueNamesTheVariable(String value) {
        assertThatThrownBy(() -> RetryPolicy.fromEnvironment(Map.of(RetryPolicy.ENV_AUTH_RETRYING_CEILING, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(RetryPolicy.ENV_AUTH_RETRYING_CEILING)
                .hasMessageContaining("positive duration");
    }
}
