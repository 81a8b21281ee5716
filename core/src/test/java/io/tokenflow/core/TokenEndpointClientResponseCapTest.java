package io.tokenflow.core;

import static io.tokenflow.core.TokenEndpointClientFixture.ACCESS_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.assertNoSecrets;
import static io.tokenflow.core.TokenEndpointClientFixture.failureOf;
import static io.tokenflow.core.TokenEndpointClientFixture.refreshable;
import static io.tokenflow.core.TokenEndpointClientFixture.successOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Token answers are capped (64 KiB by default): a larger one is a transient failure, detected from
 * {@code Content-Length} or, for a chunked answer, as soon as the cap is passed, and the rest is
 * never read. The server here streams without end and records when its stream was cut off, so a
 * client that read everything would never finish.
 */
class TokenEndpointClientResponseCapTest {

    private static final int DEFAULT_CAP = 64 * 1024;
    private static final byte[] CHUNK = spaces(8 * 1024);

    private final TokenEndpointClientFixture clients = new TokenEndpointClientFixture();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicReference<CountDownLatch> streamEnded = new AtomicReference<>(new CountDownLatch(1));
    /** What the next answer is: an endless stream (with or without a declared length), or a fixed body. */
    private final AtomicReference<Answer> answer = new AtomicReference<>();
    private DisposableServer server;

    private record Answer(int status, long declaredLength, byte[] body, boolean endless) {
    }

    @BeforeEach
    void startServer() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.post("/token", (request, response) -> {
                    Answer a = answer.get();
                    response.status(a.status).header("Content-Type", "application/json");
                    if (a.declaredLength >= 0) {
                        response.header("Content-Length", Long.toString(a.declaredLength));
                    }
                    if (!a.endless) {
                        return response.sendByteArray(Mono.just(a.body)).then();
                    }
                    CountDownLatch ended = streamEnded.get();
                    Flux<ByteBuf> endless = Flux.<ByteBuf>generate(sink -> sink.next(Unpooled.wrappedBuffer(CHUNK)))
                            .startWith(Unpooled.copiedBuffer("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"pad\":\"", StandardCharsets.UTF_8))
                            .doOnNext(chunk -> bytesSent.addAndGet(chunk.readableBytes()))
                            .doFinally(signal -> ended.countDown());
                    return response.send(endless).then();
                }))
                .bindNow(Duration.ofSeconds(5));
    }

    @AfterEach
    void stopServer() {
        clients.close();
        server.disposeNow(Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "declared length {0}")
    @ValueSource(longs = {DEFAULT_CAP + 1, 1L << 40})
    void answerDeclaredOverTheCapFailsTransientUnread(long declared) throws Exception {
        answer.set(new Answer(200, declared, new byte[0], true));

        TokenEndpointException e = failureOf(client().fetch(refreshable()));

        assertTooLarge(e, 200);
        assertThat(e.failure().message()).contains("declared " + declared);
        assertStreamCutShort();
    }

    @Test
    void chunkedAnswerOverTheCapFailsTransientOnceItPassesTheCap() throws Exception {
        answer.set(new Answer(200, -1, new byte[0], true));

        TokenEndpointException e = failureOf(client().fetch(refreshable()));

        assertTooLarge(e, 200);
        assertStreamCutShort();
    }

    @Test
    void errorAnswerOverTheCapIsTransientToo() throws Exception {
        answer.set(new Answer(400, -1, new byte[0], true));

        TokenEndpointException e = failureOf(client().fetch(refreshable()));

        assertTooLarge(e, 400);
        assertThat(e.failure().oauthError()).isEmpty();
        assertStreamCutShort();
    }

    @Test
    void customCapApplies() throws Exception {
        answer.set(new Answer(200, -1, new byte[0], true));

        TokenEndpointException e = failureOf(clients.to(endpoint()).maxResponseBytes(2048).build().fetch(refreshable()));

        assertTooLarge(e, 200);
        assertThat(e.failure().message()).contains("2048 byte cap");
        assertStreamCutShort();
    }

    @ParameterizedTest(name = "declared: {0}")
    @ValueSource(booleans = {true, false})
    void answerOfExactlyTheCapIsRead(boolean declared) {
        byte[] body = padded(DEFAULT_CAP);
        answer.set(new Answer(200, declared ? body.length : -1, body, false));

        assertThat(successOf(client().fetch(null)).accessToken().orElseThrow().value()).isEqualTo(ACCESS_TOKEN);
    }

    @ParameterizedTest(name = "declared: {0}")
    @ValueSource(booleans = {true, false})
    void answerOfOneByteOverTheCapIsNot(boolean declared) {
        byte[] body = padded(DEFAULT_CAP + 1);
        answer.set(new Answer(200, declared ? body.length : -1, body, false));

        assertTooLarge(failureOf(client().fetch(null)), 200);
    }

    @Test
    void customCapAllowsAnAnswerUnderIt() {
        byte[] body = padded(1500);
        answer.set(new Answer(200, -1, body, false));

        TokenEndpointClient client = clients.to(endpoint()).maxResponseBytes(2048).build();

        assertThat(successOf(client.fetch(null)).accessToken()).isPresent();
    }

    @Test
    void clientStillWorksAfterAnAnswerOverTheCap() {
        TokenEndpointClient client = client();
        answer.set(new Answer(200, -1, new byte[0], true));
        failureOf(client.fetch(null));

        answer.set(new Answer(200, -1, padded(100), false));

        assertThat(successOf(client.fetch(null)).accessToken()).isPresent();
    }

    private void assertTooLarge(TokenEndpointException e, int status) {
        assertThat(e.failure().kind()).as("%s", e.failure()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.failure().httpStatus()).as("%s", e.failure()).hasValue(status);
        assertThat(e.failure().message()).contains("byte cap");
        assertNoSecrets(e);
    }

    /** The endless stream was cancelled (the client closed the connection) after little was sent. */
    private void assertStreamCutShort() throws InterruptedException {
        assertThat(streamEnded.get().await(5, TimeUnit.SECONDS)).as("the server's endless answer was cut off").isTrue();
        // Loopback socket buffers hold a few MiB at most; reading on would be unbounded.
        assertThat(bytesSent.get()).isLessThan(32L * 1024 * 1024);
    }

    private TokenEndpointClient client() {
        return clients.to(endpoint()).build();
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port() + "/token");
    }

    /** A valid token answer padded with white space to exactly {@code size} bytes. */
    private static byte[] padded(int size) {
        byte[] json = ("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\"}").getBytes(StandardCharsets.UTF_8);
        byte[] body = spaces(size);
        System.arraycopy(json, 0, body, 0, json.length);
        return body;
    }

    private static byte[] spaces(int size) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) ' ');
        return bytes;
    }
}
