package io.tokenflow.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A resource server that answers {@code 401 Bearer error="invalid_token"} to every token (a
 * wrong audience, say) must not drive one token request per API call (issue 12.4): the first
 * rejection refreshes and retries, later ones within the service's pause reach the caller as
 * they are, without a token request.
 */
class RejectingResourceServerTest {

    private static final String INVALID_TOKEN = "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"wrong audience\"";

    private WireMockServer idp;
    private WireMockServer api;
    private TokenService tokens;
    private WebClient client;

    @BeforeEach
    void start() {
        idp = WireMocks.start();
        api = WireMocks.start();
        WireMocks.tokens(idp, "t1", "t2", "t3", "t4", "t5");
        tokens = WireMocks.service(idp);
        States.await(tokens, Status.RUNNING);
        api.stubFor(get("/data").willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", INVALID_TOKEN).withBody("wrong audience")));
        client = WebClient.builder().filter(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).build();
    }

    @AfterEach
    void stop() {
        tokens.dispose();
        api.stop();
        idp.stop();
    }

    private Mono<Integer> call() {
        return client.get().uri(WireMocks.url(api, "/data"))
                .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("").map(body -> r.statusCode().value()));
    }

    private int tokenRequests() {
        return idp.findAll(postRequestedFor(urlEqualTo("/token"))).size();
    }

    @Test
    void fiftySequentialRejectedCallsCostOneRefresh() {
        for (int i = 0; i < 50; i++) {
            assertThat(call().block(Await.DEFAULT_TIMEOUT)).isEqualTo(401);
        }

        System.out.println("50 sequential rejected calls: " + tokenRequests() + " token requests, "
                + api.findAll(getRequestedFor(urlEqualTo("/data"))).size() + " resource requests");
        assertThat(tokenRequests()).as("the first token and one refresh").isEqualTo(2);
        assertThat(api.findAll(getRequestedFor(urlEqualTo("/data")))).as("one retry, for the first call only").hasSize(51);
    }

    @Test
    void twentyByTenConcurrentRejectedCallsCostOneRefresh() {
        for (int round = 0; round < 10; round++) {
            List<Integer> statuses = Flux.range(0, 20).flatMap(i -> call()).collectList().block(Await.DEFAULT_TIMEOUT);
            assertThat(statuses).hasSize(20).containsOnly(401);
        }

        System.out.println("20 x 10 concurrent rejected calls: " + tokenRequests() + " token requests, "
                + api.findAll(getRequestedFor(urlEqualTo("/data"))).size() + " resource requests");
        assertThat(tokenRequests()).as("the first token and one refresh").isEqualTo(2);
    }
}
