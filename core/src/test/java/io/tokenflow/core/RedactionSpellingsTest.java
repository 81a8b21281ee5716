package io.tokenflow.core;

import static io.tokenflow.core.TokenEndpointClientFixture.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tokenflow.core.store.Credential;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A gateway that quotes the request in {@code error_description} (its body, and the decoded Basic
 * credentials) must not get any spelling of a secret into a failure: raw, form-encoded with upper
 * or lower case escapes, with spaces as {@code +} or {@code %20}. For client secrets (post and
 * basic) and refresh tokens alike.
 */
class RedactionSpellingsTest {

    /** Every character that form encoding changes: + / = & % and a space. */
    private static final String SECRET = "Pa+ss/w=rd&x%y z-secret";
    private static final String REFRESH_TOKEN = "rt+/=%&-refresh-2f9a";

    private final TokenEndpointClientFixture clients = new TokenEndpointClientFixture();
    /** Answers 400 invalid_request quoting the request body and the decoded Basic pair. */
    private final DisposableServer echo = HttpServer.create().host("127.0.0.1").port(0)
            .route(routes -> routes.post("/token", (request, response) -> request.receive().aggregate().asString()
                    .defaultIfEmpty("")
                    .flatMap(body -> {
                        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
                        String pair = authorization == null ? "none"
                                : new String(Base64.getDecoder().decode(authorization.substring("Basic ".length())),
                                        StandardCharsets.UTF_8);
                        String quoted = ("body " + body + " basic " + pair + " LOWER " + body.toLowerCase(Locale.ROOT))
                                .replace("\\", "\\\\").replace("\"", "\\\"");
                        return response.status(400).header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"error\":\"invalid_request\",\"error_description\":\"" + quoted + "\"}"))
                                .then();
                    })))
            .bindNow();

    @AfterEach
    void tearDown() {
        clients.close();
        echo.disposeNow();
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + echo.port() + "/token");
    }

    @Test
    void aFormEncodedClientSecretQuotedByTheServerIsRedacted() {
        TokenEndpointException e = failureOf(clients.to(endpoint()).auth(new ClientAuth.SecretPost("client", SECRET)).build()
                .fetch(null));

        assertThat(e.failure().message()).contains("[redacted]");
        assertNoSpellingOf(SECRET, e);
    }

    @Test
    void aBasicClientSecretQuotedByTheServerIsRedacted() {
        TokenEndpointException e = failureOf(clients.to(endpoint()).auth(new ClientAuth.SecretBasic("client", SECRET)).build()
                .fetch(null));

        assertThat(e.failure().message()).contains("[redacted]");
        assertNoSpellingOf(SECRET, e);
    }

    @Test
    void aFormEncodedRefreshTokenQuotedByTheServerIsRedacted() {
        TokenEndpointException e = failureOf(clients.to(endpoint()).auth(new ClientAuth.Public("client")).build()
                .fetch(Credential.builder().refreshToken(REFRESH_TOKEN).build()));

        assertThat(e.failure().message()).contains("[redacted]");
        assertNoSpellingOf(REFRESH_TOKEN, e);
    }

    /** The secret, and what form encoding (and a gateway re-encoding it) makes of it, in any letter case. */
    private static List<String> spellings(String secret) {
        String form = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        List<String> spellings = new ArrayList<>(List.of(secret, form, form.replace("+", "%20")));
        // Percent escapes in lower case: %2b rather than %2B.
        StringBuilder lower = new StringBuilder(form);
        for (int i = lower.indexOf("%"); i >= 0; i = lower.indexOf("%", i + 1)) {
            lower.replace(i + 1, i + 3, lower.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        }
        spellings.add(lower.toString());
        return spellings;
    }

    private static void assertNoSpellingOf(String secret, TokenEndpointException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        for (String text : List.of(e.failure().message(), String.valueOf(e.getMessage()), trace.toString())) {
            for (String spelling : spellings(secret)) {
                assertThat(text).as("a spelling of the secret").doesNotContainIgnoringCase(spelling);
            }
        }
    }
}
