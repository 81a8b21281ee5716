package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.test.RawTokenClient.Reply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class FaultTest extends AgainstEmbeddedServer {

    private static final Duration SLOW_DELAY = Duration.ofMillis(300);


    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.slowDelay(SLOW_DELAY);
    }

    @Test
    void serverStartsHealthy() {
        assertThat(server.fault()).isEqualTo(Fault.HEALTHY);
        assertThat(validRequest().status()).isEqualTo(200);
    }

    @Test
    void serviceUnavailableAnswers503WithRetryAfterOneSecond() {
        server.fault(Fault.SERVICE_UNAVAILABLE);

        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.header("Retry-After")).isEqualTo("1");
    }

    @Test
    void wafForbiddenAnswers403HtmlWithoutAnOAuthError() {
        server.fault(Fault.WAF_FORBIDDEN);

        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.header("Content-Type")).startsWith("text/html");
        assertThat(reply.body()).contains("<html").doesNotContain("\"error\"");
    }

    @Test
    void invalidGrantFaultAnswersInvalidGrantToAValidRequest() {
        server.fault(Fault.INVALID_GRANT);

        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.error()).isEqualTo("invalid_grant");
    }

    @Test
    void invalidGrantFaultAnswersInvalidGrantEvenToABadClient() {
        server.fault(Fault.INVALID_GRANT);

        Reply reply = client.postBasic("demo-client", "wrong-secret", CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_grant");
    }

    @Test
    void slowFaultAnswersNormallyButOnlyAfterTheDelay() {
        server.fault(Fault.SLOW);
        long start = System.nanoTime();

        Reply reply = validRequest();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SLOW_DELAY);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(server.isActive(reply.field("access_token"))).isTrue();
    }

    /** 16 requests wait at once; a sleeping thread instead of a timer would trip BlockHound. */
    @Test
    void slowFaultHoldsManyRequestsAtOnce() {
        server.fault(Fault.SLOW);
        Mono<Reply> request = client.postBasicAsync("demo-client", "demo-secret", CLIENT_CREDENTIALS);

        List<Reply> replies = Flux.range(0, 16).flatMap(i -> request).collectList().block(WAIT);

        assertThat(replies).hasSize(16).allSatisfy(reply -> assertThat(reply.status()).isEqualTo(200));
    }

    @Test
    void closeAlsoClosesConnectionsWhoseSlowAnswerIsPending() {
        EmbeddedAuthorizationServer verySlow = EmbeddedAuthorizationServer.builder()
                .client("demo-client", "demo-secret")
                .slowDelay(Duration.ofMinutes(1))
                .start();
        verySlow.fault(Fault.SLOW);
        Mono<Reply> pending = new RawTokenClient(verySlow.tokenEndpoint())
                .postBasicAsync("demo-client", "demo-secret", CLIENT_CREDENTIALS)
                .cache();
        pending.subscribe(reply -> {}, error -> {});
        Mono.fromSupplier(verySlow::tokenRequests)
                .filter(count -> count == 1)
                .repeatWhenEmpty(polls -> polls.delayElements(Duration.ofMillis(10)))
                .block(WAIT);

        verySlow.close();

        StepVerifier.create(pending).expectError().verify(WAIT);
    }

    @Test
    void switchingBackToHealthyRestoresNormalAnswers() {
        server.fault(Fault.SERVICE_UNAVAILABLE);
        validRequest();

        server.fault(Fault.HEALTHY);

        assertThat(validRequest().status()).isEqualTo(200);
    }
}
