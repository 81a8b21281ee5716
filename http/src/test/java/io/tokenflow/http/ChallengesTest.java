package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChallengesTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "Bearer error=\"invalid_token\"",
            "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"The access token expired\"",
            "bearer ERROR=invalid_token",
            "Bearer   error = \"invalid_token\"",
            "Basic realm=\"x\", Bearer error=\"invalid_token\"",
            "Basic dXNlcjpwYXNz==, Bearer error=\"invalid_token\"",
            "Negotiate abcDEF, Bearer realm=\"a,b\", error=\"invalid_token\"",
            "Bearer realm=\"say \\\"hi\\\"\", error=\"invalid_token\"",
    })
    void findsInvalidTokenInABearerChallenge(String header) {
        assertThat(Challenges.hasError(List.of(header), "Bearer", "invalid_token")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "Bearer",
            "Bearer realm=\"api\"",
            "Bearer error=\"insufficient_scope\"",
            "Bearer error=\"invalid_token_x\"",
            "Bearer error=\"INVALID_TOKEN\"",
            "Basic error=\"invalid_token\"",
            "Basic realm=\"Bearer error=\\\"invalid_token\\\"\"",
            "Bearer realm=\"error=invalid_token\"",
            "Bearer error=",
            "Bearer error=\"invalid_token",
            "DPoP error=\"invalid_token\"",
            ",,, =\"\" ==",
    })
    void findsNoInvalidTokenWhereThereIsNone(String header) {
        assertThat(Challenges.hasError(List.of(header), "Bearer", "invalid_token")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer realm=\"api\"", "Basic realm=\"x\""})
    void looksAtEveryHeaderValue(String other) {
        assertThat(Challenges.hasError(List.of(other, "Bearer error=\"invalid_token\""), "Bearer", "invalid_token")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"DPoP error=\"invalid_token\", algs=\"ES256\"", "dpop algs=\"ES256\", error=invalid_token"})
    void matchesTheSchemeOfTheTokenType(String header) {
        assertThat(Challenges.hasError(List.of(header), "DPoP", "invalid_token")).isTrue();
    }
}
