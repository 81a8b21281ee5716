package io.tokenflow.benchmarks;

import io.tokenflow.core.TokenService;
import io.tokenflow.http.TokenExchangeFilter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * The {@code WebClient} filter on the cached path: tokenflow's {@link TokenExchangeFilter} against
 * Spring Security's {@code ServerOAuth2AuthorizedClientExchangeFilterFunction} (client_credentials
 * registration, {@code InMemoryReactiveClientRegistrationRepository},
 * {@code AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager} holding an authorized client),
 * in one JMH run ({@code @Param impl}) so that their ratio holds on a noisy machine.
 *
 * <p>Each side fetched its token once, in {@code @Setup}, from the same loopback token endpoint
 * ({@code expires_in} 3600). Each operation: {@code filter.filter(request, stub)} subscribed by a
 * reused, allocation-free subscriber that hands the {@code ClientResponse} to a {@code Blackhole}
 * (and fails the run unless the response arrived synchronously). The stub {@code ExchangeFunction}
 * returns a pre-built {@code Mono<ClientResponse>} at once, so only the filter is measured: the
 * time and bytes it takes to put {@code Authorization: Bearer ...} on a request. The harness is
 * identical for all. A third variant, {@code floor}, is a filter without any token logic that sets a
 * constant header the usual way, copying the immutable {@code ClientRequest} with
 * {@code ClientRequest.from(..)}: the least a filter built that way (Spring's and tokenflow's
 * both are) can cost. A fourth, {@code tokenflow-dpop}, is tokenflow's filter with a DPoP-bound token
 * ({@code dpop()}): each operation also signs a fresh ES256 proof ({@code htm}, {@code htu},
 * {@code iat}, {@code jti}, {@code ath}), the price of RFC 9449 per request. Setup checks that the stub received the bearer token; tear-down that the
 * endpoint saw one token request per side.
 *
 * <p>Targets: tokenflow &gt;= 20x faster and &gt;= 10x less allocation ({@code gc.alloc.rate.norm})
 * than Spring.
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar FilterBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
// 5 x 5 s of warm-up: a DPoP proof costs about a millisecond on JDK 17 (its ECDSA), so shorter
// warm-up leaves the elliptic-curve code interpreted and measures that instead.
@Warmup(iterations = 5, time = 5)
@Measurement(iterations = 5, time = 2)
public class FilterBenchmark {

    @Param({"tokenflow", "tokenflow-dpop", "spring", "floor"})
    public String impl;

    private LoopbackTokenEndpoint endpoint;
    private TokenService tokens;
    private ExchangeFilterFunction filter;
    private final ClientRequest request = ClientRequest.create(HttpMethod.GET, URI.create("https://api.example.com/orders")).build();
    private final Mono<ClientResponse> response = Mono.just(ClientResponse.create(HttpStatus.OK).build());
    private volatile ClientRequest sent;
    private final ExchangeFunction stub = request -> {
        sent = request;
        return response;
    };

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        switch (impl) {
            case "tokenflow" -> {
                tokens = endpoint.service().build();
                filter = TokenExchangeFilter.forHosts(tokens, "api.example.com");
            }
            case "tokenflow-dpop" -> {
                tokens = endpoint.service().dpop().build();
                filter = TokenExchangeFilter.forHosts(tokens, "api.example.com");
            }
            case "spring" -> filter = SpringOAuth2.defaults(endpoint.tokenUri()).filter;
            case "floor" -> {
                // No token logic at all: the ClientRequest.from(..) copy that a filter adding a
                // header the usual way makes, and the call to the next ExchangeFunction.
                String header = "Bearer bench-token-1";
                filter = (request, next) -> next.exchange(ClientRequest.from(request)
                        .headers(headers -> headers.set(HttpHeaders.AUTHORIZATION, header))
                        .build());
            }
            default -> throw new IllegalArgumentException("impl: " + impl);
        }
        // The first call fetches the token (over the loopback); every later one is the cached path.
        filter.filter(request, stub).block(Duration.ofSeconds(10));
        String authorization = sent == null ? null : sent.headers().getFirst(HttpHeaders.AUTHORIZATION);
        String expected = impl.equals("tokenflow-dpop") ? "DPoP bench-token-1" : "Bearer bench-token-1";
        if (!expected.equals(authorization)) {
            throw new IllegalStateException(impl + ": the request went out with Authorization " + authorization);
        }
        if (impl.equals("tokenflow-dpop") && sent.headers().getFirst("DPoP") == null) {
            throw new IllegalStateException(impl + ": the request went out without a DPoP proof");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (tokens != null) {
            tokens.dispose();
        }
        endpoint.close();
        endpoint.requireRequests(impl.equals("floor") ? 0 : 1, impl);
    }

    /** Per-thread reusable subscriber. */
    @State(Scope.Thread)
    public static class Subscriber {
        BlackholeSubscriber<ClientResponse> subscriber;

        @Setup(Level.Trial)
        public void setUp(Blackhole blackhole) {
            subscriber = new BlackholeSubscriber<>(blackhole);
        }
    }

    @Benchmark
    public void filter(Subscriber s) {
        s.subscriber.run(filter.filter(request, stub));
    }
}
