package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.WAIT;
import static io.tokenflow.test.RawTokenClient.basic;
import static io.tokenflow.test.RawTokenClient.form;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.test.RawTokenClient.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class RequestHoldTest extends AgainstEmbeddedServer {

    private static final Duration BRIEF = Duration.ofMillis(200);

    private RefreshTokenFamily family;

    @BeforeEach
    void startFamily() {
        family = server.startFamily(CLIENT_ID);
    }

    private Mono<Reply> refreshAsync(String refreshToken) {
        return client.postBasicAsync(CLIENT_ID, CLIENT_SECRET,
                form("grant_type", "refresh_token", "refresh_token", refreshToken)).cache();
    }

    private Mono<Reply> clientCredentialsAsync() {
        return client.postBasicAsync(CLIENT_ID, CLIENT_SECRET, CLIENT_CREDENTIALS).cache();
    }

    /** Sends a refresh request over a plain socket, which the test closes to play a client that died. */
    private Socket refreshOverASocket(String refreshToken) throws IOException {
        String body = form("grant_type", "refresh_token", "refresh_token", refreshToken);
        Socket socket = new Socket(Loopback.HOST, server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /oauth2/token HTTP/1.1\r\nHost: " + Loopback.HOST + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\n"
                + "Authorization: " + basic(CLIENT_ID, CLIENT_SECRET) + "\r\n"
                + "Content-Length: " + body.getBytes(UTF_8).length + "\r\n\r\n" + body).getBytes(UTF_8));
        out.flush();
        return socket;
    }

    @Test
    void aRefreshHeldBeforeRotateRotatesNothingUntilReleased() {
        RequestHold hold = server.holdBeforeRotate();
        Mono<Reply> reply = refreshAsync(family.currentRefreshToken());
        reply.subscribe();

        hold.awaitHeld(WAIT);
        assertThat(hold.isHeld()).isTrue();
        assertThat(server.rotations()).isZero();
        StepVerifier.create(reply).expectSubscription().expectNoEvent(BRIEF).thenCancel().verify(WAIT);

        hold.release();

        assertThat(reply.block(WAIT).status()).isEqualTo(200);
        assertThat(server.rotations()).isEqualTo(1);
        assertThat(hold.isHeld()).isFalse();
        assertThat(hold.isAborted()).isFalse();
    }

    @Test
    void aRefreshWhoseConnectionClosesWhileHeldBeforeRotateIsDroppedUnprocessed() throws Exception {
        RequestHold hold = server.holdBeforeRotate();
        String first = family.currentRefreshToken();
        Socket dying = refreshOverASocket(first);
        try {
            hold.awaitHeld(WAIT);
        } finally {
            dying.close();
        }

        Await.until(WAIT, "the hold sees the connection close", hold::isAborted);
        hold.release();

        assertThat(server.rotations()).isZero();
        assertThat(server.presentedRefreshTokens()).isEmpty();
        assertThat(family.currentRefreshToken()).isEqualTo(first);
        assertThat(refreshAsync(first).block(WAIT).status()).as("the refresh token is still unused").isEqualTo(200);
    }

    @Test
    void aRefreshHeldAfterRotateHasRotatedWhileItsAnswerWaits() {
        RequestHold hold = server.holdAfterRotate();
        String first = family.currentRefreshToken();
        Mono<Reply> reply = refreshAsync(first);
        reply.subscribe();

        hold.awaitHeld(WAIT);
        assertThat(server.rotations()).isEqualTo(1);
        assertThat(family.currentRefreshToken()).isNotEqualTo(first);
        StepVerifier.create(reply).expectSubscription().expectNoEvent(BRIEF).thenCancel().verify(WAIT);

        hold.release();

        assertThat(reply.block(WAIT).field("refresh_token")).isEqualTo(family.currentRefreshToken());
    }

    @Test
    void anAnswerHeldAfterRotateIsLostWhenItsConnectionCloses() throws Exception {
        RequestHold hold = server.holdAfterRotate();
        String first = family.currentRefreshToken();
        Socket dying = refreshOverASocket(first);
        try {
            hold.awaitHeld(WAIT);
        } finally {
            dying.close();
        }

        Await.until(WAIT, "the hold sees the connection close", hold::isAborted);

        assertThat(server.rotations()).isEqualTo(1);
        assertThat(refreshAsync(first).block(WAIT).error()).as("the client's only refresh token is used up")
                .isEqualTo("invalid_grant");
        assertThat(server.reuseDetections()).isEqualTo(1);
    }

    @Test
    void holdBeforeRotateLetsOtherGrantsPass() {
        RequestHold hold = server.holdBeforeRotate();

        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(hold.isHeld()).isFalse();
    }

    @Test
    void holdNextRequestHoldsAnyGrant() {
        RequestHold hold = server.holdNextRequest();
        Mono<Reply> reply = clientCredentialsAsync();
        reply.subscribe();

        hold.awaitHeld(WAIT);
        StepVerifier.create(reply).expectSubscription().expectNoEvent(BRIEF).thenCancel().verify(WAIT);
        hold.release();

        assertThat(reply.block(WAIT).status()).isEqualTo(200);
    }

    @Test
    void aHoldReleasedBeforeAnyRequestLetsTheNextOnePass() {
        RequestHold hold = server.holdBeforeRotate();
        hold.release();

        Reply reply = refreshAsync(family.currentRefreshToken()).block(WAIT);

        assertThat(reply.status()).isEqualTo(200);
        hold.awaitHeld(WAIT);
    }

    @Test
    void eachHoldCatchesOneRequestInTheOrderTheHoldsWereMade() {
        RequestHold first = server.holdNextRequest();
        RequestHold second = server.holdNextRequest();
        Mono<Reply> one = clientCredentialsAsync();
        one.subscribe();
        first.awaitHeld(WAIT);
        Mono<Reply> two = clientCredentialsAsync();
        two.subscribe();
        second.awaitHeld(WAIT);

        second.release();
        assertThat(two.block(WAIT).status()).isEqualTo(200);
        assertThat(first.isHeld()).isTrue();
        first.release();
        assertThat(one.block(WAIT).status()).isEqualTo(200);
    }

    /** Held requests wait on sinks: 32 at once would need 32 blocked threads otherwise (and trip BlockHound). */
    @Test
    void manyRequestsAreHeldAtOnceWithoutBlockingTheServer() {
        List<RequestHold> holds = Flux.range(0, 32).map(i -> server.holdNextRequest()).collectList().block(WAIT);
        Mono<List<Reply>> replies = Flux.range(0, 32)
                .flatMap(i -> client.postBasicAsync(CLIENT_ID, CLIENT_SECRET, CLIENT_CREDENTIALS))
                .collectList()
                .cache();
        replies.subscribe();
        holds.forEach(hold -> hold.awaitHeld(WAIT));

        holds.forEach(RequestHold::release);

        assertThat(replies.block(WAIT)).hasSize(32).allSatisfy(reply -> assertThat(reply.status()).isEqualTo(200));
    }

    @Test
    void awaitHeldFailsWhenNoRequestComes() {
        RequestHold hold = server.holdBeforeRotate();

        assertThatThrownBy(() -> hold.awaitHeld(Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("before the next refresh");
    }

    @Test
    void closingTheServerAbortsAHeldRequest() {
        RequestHold hold = server.holdBeforeRotate();
        Mono<Reply> reply = refreshAsync(family.currentRefreshToken());
        reply.subscribe(r -> { }, e -> { });
        hold.awaitHeld(WAIT);

        server.close();

        StepVerifier.create(reply).expectError().verify(WAIT);
        Await.until(WAIT, "the hold is aborted", hold::isAborted);
        assertThat(server.rotations()).isZero();
    }
}
