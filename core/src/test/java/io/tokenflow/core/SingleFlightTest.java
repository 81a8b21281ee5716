package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tokenflow.test.Loopback;
import io.tokenflow.test.TestScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** Single flight over real HTTP: N concurrent callers, one token request. */
class SingleFlightTest {

    private static final int CALLERS = 1_000;
    private static final int ROUNDS = 100;
    private static final int THREADS = 8;

    private static WireMockServer idp;
    private static ExecutorService threads;

    @BeforeAll
    static void startServer() {
        idp = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort().containerThreads(20));
        idp.start();
        threads = Executors.newFixedThreadPool(THREADS);
    }

    @AfterAll
    static void stopServer() {
        idp.stop();
        threads.shutdownNow();
    }

    @BeforeEach
    void stubTokenEndpoint() {
        idp.resetAll();
        // A fresh random token per request, answered after a pause so that callers pile up.
        idp.stubFor(post("/oauth2/token").willReturn(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withFixedDelay(20)
                .withBody("{\"access_token\":\"{{randomValue length=24 type='ALPHANUMERIC'}}\",\"token_type\":\"Bearer\",\"expires_in\":3600}")
                .withTransformers("response-template")));
    }

    private TokenService.Builder service(TestScheduler clock) {
        return TokenService.builder()
                .tokenEndpoint(Loopback.url(idp.port(), "/oauth2/token"))
                .clientCredentials("single-flight", "s3cret")
                .scheduler(clock);
    }

    /**
     * A clock the test moves by hand, whose delayed tasks never fire: lets a test put the service
     * past its token's expiry before any timer reacts, so that callers race to start the refresh.
     */
    private static TestScheduler manualClock() {
        return TestScheduler.manualClock(Instant.ofEpochMilli(1_800_000_000_000L));
    }

    private int tokenRequests() {
        return idp.countRequestsMatching(postRequestedFor(urlEqualTo("/oauth2/token")).build()).getCount();
    }

    /** Subscribes {@link #CALLERS} callers from {@link #THREADS} threads released together; returns the distinct tokens they got. */
    private Set<String> concurrentCallers(TokenService service) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Mono<AccessToken>>>> calls = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            calls.add(threads.submit(() -> {
                go.await();
                List<Mono<AccessToken>> mine = new ArrayList<>();
                for (int i = 0; i < CALLERS / THREADS; i++) {
                    mine.add(service.token().cache());
                    mine.get(i).subscribe(token -> { }, error -> { });
                }
                return mine;
            }));
        }
        go.countDown();
        Set<String> values = ConcurrentHashMap.newKeySet();
        for (Future<List<Mono<AccessToken>>> call : calls) {
            for (Mono<AccessToken> token : call.get(10, TimeUnit.SECONDS)) {
                values.add(token.block(Duration.ofSeconds(10)).value());
            }
        }
        return values;
    }

    @Test
    void aThousandConcurrentCallersOnAColdServiceCauseOneTokenRequest() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int before = tokenRequests();
            TokenService service = service(manualClock()).build();
            try {
                Set<String> tokens = concurrentCallers(service);

                assertThat(tokens).as("round %d", round).hasSize(1);
                assertThat(tokenRequests() - before).as("round %d", round).isEqualTo(1);
            } finally {
                service.dispose();
            }
        }
    }

    @Test
    void aThousandConcurrentCallersAtExpiryCauseOneTokenRequest() throws Exception {
        TestScheduler clock = manualClock();
        TokenService service = service(clock).build();
        try {
            String previous = service.token().block(Duration.ofSeconds(5)).value();
            for (int round = 0; round < ROUNDS; round++) {
                int before = tokenRequests();
                clock.advanceClock(Duration.ofHours(1));

                Set<String> tokens = concurrentCallers(service);

                assertThat(tokens).as("round %d", round).hasSize(1).doesNotContain(previous);
                assertThat(tokenRequests() - before).as("round %d", round).isEqualTo(1);
                previous = tokens.iterator().next();
            }
        } finally {
            service.dispose();
        }
    }

    @Test
    void cancellingEveryCallerDoesNotCancelTheRefresh() {
        TestScheduler clock = manualClock();
        idp.stubFor(post("/oauth2/token").willReturn(aResponse().withStatus(200).withFixedDelay(300)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"slow-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        TokenService service = service(clock).build();
        try {
            List<Disposable> callers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                callers.add(service.token().subscribe());
            }
            callers.forEach(Disposable::dispose);

            AccessToken token = service.token().block(Duration.ofSeconds(5));

            assertThat(token.value()).isEqualTo("slow-token");
            assertThat(tokenRequests()).isEqualTo(1);
            assertThat(idp.getAllServeEvents()).singleElement()
                    .satisfies(e -> assertThat(e.getResponse().getStatus()).isEqualTo(200));
        } finally {
            service.dispose();
        }
    }

    @Test
    void aValidTokenIsServedFromTheSameMonoWithoutRequests() {
        TokenService service = service(manualClock()).build();
        try {
            Mono<AccessToken> first = service.token();
            first.block(Duration.ofSeconds(5));
            Mono<AccessToken> hot = service.token();

            for (int i = 0; i < 10_000; i++) {
                assertThat(service.token()).isSameAs(hot);
            }
            assertThat(tokenRequests()).isEqualTo(1);
        } finally {
            service.dispose();
        }
    }
}
