package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenflow.core.AccessToken;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The public file format: names, defaults, kept unknown fields, and clear errors for bad files. */
class CredentialFileFormatTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Stands for a secret in a bad file: no error message may contain it. */
    private static final String SECRET = "s3cret-do-not-print";

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("token.json");
    }

    private FileCredentialStore store() {
        return FileCredentialStore.at(file());
    }

    @Test
    void aSavedFileUsesThePublicFormatWithRfc6749Names() throws Exception {
        Instant expires = Instant.parse("2026-11-22T15:00:00Z");
        Instant issued = Instant.parse("2026-11-22T14:00:00Z");
        Credential credential = Credential.builder()
                .accessToken(AccessToken.of("at-1", "Bearer", expires, Set.of("api.write", "api.read")))
                .refreshToken("rt-1")
                .issuedAt(issued)
                .refreshTokenRotatedAt(issued)
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientId("client-id")
                .build();

        store().save(credential).block(WAIT);

        JsonNode json = new ObjectMapper().readTree(file().toFile());
        assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("version", "access_token",
                "token_type", "expires_at", "refresh_token", "scope", "issued_at", "refresh_token_rotated_at",
                "token_endpoint", "client_id");
        assertThat(json.get("version").intValue()).isEqualTo(1);
        assertThat(json.get("access_token").textValue()).isEqualTo("at-1");
        assertThat(json.get("token_type").textValue()).isEqualTo("Bearer");
        assertThat(json.get("expires_at").textValue()).isEqualTo("2026-11-22T15:00:00Z");
        assertThat(json.get("refresh_token").textValue()).isEqualTo("rt-1");
        assertThat(json.get("scope").textValue()).isEqualTo("api.read api.write");
        assertThat(json.get("issued_at").textValue()).isEqualTo("2026-11-22T14:00:00Z");
        assertThat(json.get("refresh_token_rotated_at").textValue()).isEqualTo("2026-11-22T14:00:00Z");
        assertThat(json.get("token_endpoint").textValue()).isEqualTo("https://idp.example/oauth2/token");
        assertThat(json.get("client_id").textValue()).isEqualTo("client-id");
        assertThat(store().load().block(WAIT)).isEqualTo(credential);
    }

    @Test
    void aFileWithOnlyVersionAndAccessTokenHoldsABearerTokenValidUntilRejected() throws Exception {
        Files.writeString(file(), "{\"version\": 1, \"access_token\": \"at-1\"}");

        Credential loaded = store().load().block(WAIT);

        AccessToken token = loaded.accessToken().orElseThrow();
        assertThat(token.value()).isEqualTo("at-1");
        assertThat(token.tokenType()).isEqualTo("Bearer");
        assertThat(token.expiresAt()).isEmpty();
        assertThat(token.scopes()).isEmpty();
        assertThat(loaded.refreshToken()).isEmpty();
        assertThat(loaded.extensions()).isEmpty();
    }

    @Test
    void timesWithAnOffsetAreRead() throws Exception {
        Files.writeString(file(), "{\"version\": 1, \"access_token\": \"at-1\", \"expires_at\": \"2026-11-22T16:00:00+01:00\"}");

        Credential loaded = store().load().block(WAIT);

        assertThat(loaded.accessToken().orElseThrow().expiresAt()).hasValue(Instant.parse("2026-11-22T15:00:00Z"));
    }

    @Test
    void unknownFieldsSurviveARewrite() throws Exception {
        Files.writeString(file(), """
                {"version": 1, "access_token": "at-1", "refresh_token": "rt-1",
                 "x_tenant": "acme", "x_limits": {"rate": 12.50, "burst": 3, "tags": ["a", null, true]},
                 "x_big": 123456789012345678901234567890, "x_nothing": null}
                """);
        FileCredentialStore store = store();
        Credential loaded = store.load().block(WAIT);

        store.save(loaded.toBuilder()
                .accessToken(AccessToken.of("at-2", "Bearer", null, Set.of()))
                .refreshToken("rt-2")
                .build()).block(WAIT);

        JsonNode json = new ObjectMapper().readTree(file().toFile());
        JsonNode expected = new ObjectMapper().readTree("""
                {"x_tenant": "acme", "x_limits": {"rate": 12.50, "burst": 3, "tags": ["a", null, true]},
                 "x_big": 123456789012345678901234567890}
                """);
        assertThat(json.get("access_token").textValue()).isEqualTo("at-2");
        assertThat(json.get("refresh_token").textValue()).isEqualTo("rt-2");
        expected.properties().forEach(field -> assertThat(json.get(field.getKey())).as(field.getKey()).isEqualTo(field.getValue()));
        assertThat(json.get("x_limits").get("rate").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(json.has("x_nothing")).as("a top-level null is dropped").isFalse();
        assertThat(store.load().block(WAIT).extensions()).containsOnlyKeys("x_tenant", "x_limits", "x_big");
    }

    static Stream<Arguments> invalidFiles() {
        return Stream.of(
                Arguments.of("empty", "", "the file is empty"),
                Arguments.of("blank", "  \n", "the file is empty"),
                Arguments.of("truncated", "{\"version\": 1, \"access_token\": \"" + SECRET, "the JSON ends early"),
                Arguments.of("not JSON", SECRET + " = yes", "not valid JSON (line 1"),
                Arguments.of("not an object", "[\"" + SECRET + "\"]", "not a JSON object"),
                Arguments.of("trailing content", "{\"version\": 1, \"access_token\": \"a\"} " + SECRET, "content after the JSON object"),
                Arguments.of("duplicate field", "{\"version\": 1, \"access_token\": \"" + SECRET + "\", \"access_token\": \"b\"}",
                        "a field appears twice"),
                Arguments.of("no version", "{\"access_token\": \"" + SECRET + "\"}", "'version' is missing"),
                Arguments.of("unknown version", "{\"version\": 2, \"access_token\": \"" + SECRET + "\"}",
                        "version 2 is not supported (this tokenflow reads version 1)"),
                Arguments.of("version as text", "{\"version\": \"1\", \"access_token\": \"" + SECRET + "\"}", "'version' must be a whole number"),
                Arguments.of("no access token", "{\"version\": 1, \"refresh_token\": \"" + SECRET + "\"}", "'access_token' is missing"),
                Arguments.of("blank access token", "{\"version\": 1, \"access_token\": \" \", \"refresh_token\": \"" + SECRET + "\"}",
                        "'access_token' is blank"),
                Arguments.of("access token not text", "{\"version\": 1, \"access_token\": 42, \"x\": \"" + SECRET + "\"}",
                        "'access_token' must be a string"),
                Arguments.of("bad expires_at", "{\"version\": 1, \"access_token\": \"" + SECRET + "\", \"expires_at\": \"tomorrow\"}",
                        "'expires_at' is not an ISO-8601 date-time"),
                Arguments.of("relative token_endpoint", "{\"version\": 1, \"access_token\": \"" + SECRET + "\", \"token_endpoint\": \"/t\"}",
                        "'token_endpoint' is not an absolute URI"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void anInvalidFileIsAnErrorNamingTheFileAndTheProblemButNotTheContent(String name, String content, String problem) throws Exception {
        Files.writeString(file(), content);

        assertThatThrownBy(() -> store().load().block(WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(messages(e)).noneMatch(m -> m.contains(SECRET)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void anInvalidFileIsNeverOverwritten(String name, String content, String problem) throws Exception {
        Files.writeString(file(), content);

        assertThatThrownBy(() -> store().save(TestCredentials.generation(2)).block(WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to overwrite credential file " + file())
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(messages(e)).noneMatch(m -> m.contains(SECRET)));
        assertThat(Files.readString(file())).isEqualTo(content);
    }

    /** Messages of {@code e} and its causes. */
    private static List<String> messages(Throwable e) {
        return Stream.iterate(e, t -> t != null, Throwable::getCause)
                .map(t -> String.valueOf(t.getMessage()))
                .toList();
    }

    @Test
    void theFileIsUtf8JsonEndingWithANewLine() throws Exception {
        store().save(TestCredentials.withRefresh("at-é", "rt-1", Instant.parse("2026-11-22T15:00:00Z"))).block(WAIT);

        String text = Files.readString(file(), StandardCharsets.UTF_8);

        assertThat(text).contains("\"access_token\" : \"at-é\"").endsWith("}\n");
    }

    @Test
    void theFormatIsAlsoReadAndWrittenWithoutAFileExtensionsIncluded() throws Exception {
        Credential credential = TestCredentials.generation(1).toBuilder()
                .extensions(Map.of("x_tenant", "blue", "x_flags", List.of(1, true)))
                .build();
        store().save(credential).block(WAIT);

        assertThat(credential.toJson()).isEqualTo(Files.readAllBytes(file()));
        assertThat(Credential.fromJson(credential.toJson())).isEqualTo(credential);
    }

    @Test
    void contentThatIsNotTheFormatIsRefusedWithoutQuotingIt() {
        byte[] broken = ("{\"version\": 1, \"access_token\": \"" + SECRET + "\", \"access_token\": \"x\"}")
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Credential.fromJson(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a valid credential (format version 1): a field appears twice")
                .satisfies(e -> assertThat(messages(e)).noneMatch(m -> m.contains(SECRET)));
    }
}
