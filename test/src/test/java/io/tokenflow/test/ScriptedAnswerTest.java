package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.test.RawTokenClient.Reply;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.PrematureCloseException;
import reactor.test.StepVerifier;

class ScriptedAnswerTest extends AgainstEmbeddedServer {

    @Test
    void scriptedAnswersAreUsedOnceEachInOrderThenTheServerAnswersNormally() {
        server.script(ScriptedAnswer.status(503), ScriptedAnswer.oauthError(400, "invalid_client"));

        Reply first = validRequest();
        Reply second = validRequest();
        Reply third = validRequest();

        assertThat(first.status()).isEqualTo(503);
        assertThat(second.status()).isEqualTo(400);
        assertThat(second.error()).isEqualTo("invalid_client");
        assertThat(second.header("Cache-Control")).isEqualTo("no-store");
        assertThat(third.status()).isEqualTo(200);
        assertThat(server.isActive(third.field("access_token"))).isTrue();
        assertThat(server.scriptedAnswersLeft()).isZero();
        assertThat(server.tokenRequests()).isEqualTo(3);
    }

    @Test
    void aScriptedAnswerCarriesItsHeadersRetryAfterAndBody() {
        server.script(ScriptedAnswer.status(429)
                .withRetryAfter(Duration.ofMillis(30_900))
                .withHeader("X-Trace", "t-1")
                .withBody("text/html", "<p>slow down</p>"));

        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(429);
        assertThat(reply.header("Retry-After")).isEqualTo("30");
        assertThat(reply.header("X-Trace")).isEqualTo("t-1");
        assertThat(reply.header("Content-Type")).isEqualTo("text/html");
        assertThat(reply.body()).isEqualTo("<p>slow down</p>");
    }

    @Test
    void aJsonAnswerIsSentAsWritten() {
        server.script(ScriptedAnswer.json(200, "{\"access_token\":\"scripted\",\"token_type\":\"Bearer\"}"));

        Reply reply = validRequest();

        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.field("access_token")).isEqualTo("scripted");
    }

    @Test
    void aScriptedAnswerWinsOverTheFault() {
        server.fault(Fault.SERVICE_UNAVAILABLE);
        server.script(ScriptedAnswer.oauthError(400, "invalid_grant"));

        assertThat(validRequest().error()).isEqualTo("invalid_grant");
        assertThat(validRequest().status()).isEqualTo(503);
    }

    @Test
    void aDelayedAnswerComesAfterItsDelay() {
        Duration delay = Duration.ofMillis(300);
        server.script(ScriptedAnswer.status(503).withDelay(delay));
        long start = System.nanoTime();

        Reply reply = validRequest();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay);
        assertThat(reply.status()).isEqualTo(503);
    }

    @Test
    void closeConnectionAnswersNothing() {
        server.script(ScriptedAnswer.closeConnection());

        StepVerifier.create(client.postBasicAsync(CLIENT_ID, CLIENT_SECRET, CLIENT_CREDENTIALS))
                .expectError(PrematureCloseException.class)
                .verify(WAIT);
        assertThat(validRequest().status()).as("the next request is answered").isEqualTo(200);
    }

    @Test
    void scriptedAnswersAreRejectedWhenMalformed() {
        assertThatIllegalArgumentException().isThrownBy(() -> ScriptedAnswer.status(99));
        assertThatIllegalArgumentException().isThrownBy(() -> ScriptedAnswer.status(600));
        assertThatIllegalArgumentException().isThrownBy(() -> ScriptedAnswer.status(503).withDelay(Duration.ofMillis(-1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ScriptedAnswer.status(503).withRetryAfter(Duration.ofSeconds(-1)));
        assertThatIllegalStateException().isThrownBy(() -> ScriptedAnswer.closeConnection().withHeader("a", "b"));
    }
}
