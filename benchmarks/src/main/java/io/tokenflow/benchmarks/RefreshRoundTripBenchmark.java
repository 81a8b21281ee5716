package io.tokenflow.benchmarks;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The cost of one refresh round trip against a loopback token endpoint that answers at once:
 * {@code tokenService.refresh().block()} ({@code impl=tokenflow}) against a bare Reactor Netty
 * {@code HttpClient} POST of the same bytes ({@code impl=bare}) and Azure's {@code AccessTokenCache}
 * fetching (a new cache's first {@code getToken}, over {@link BarePost}: {@code impl=azure}; it does not
 * fetch again within 30 s whatever it is asked),
 * in one JMH run.
 *
 * <p>The bare POST replays the request tokenflow sent, as the endpoint recorded it (every header,
 * {@code Authorization: Basic ...}, {@code Content-Type}, {@code Accept}, {@code Content-Length};
 * the same form body), built per call like tokenflow's, over a connection pool configured like tokenflow's own (4 connections,
 * unbounded pending queue, 20 s idle time, no redirects, the same timeouts), and reads the answer
 * as a {@code String}. The difference is what tokenflow adds around the wire: Nimbus building the
 * request and parsing the response, the single-flight job, the credential store round (lease,
 * load, save), and re-planning the refresh and expiry timers.
 *
 * <p>Target: tokenflow &lt;= 10 % over the bare POST.
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RefreshRoundTripBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
public class RefreshRoundTripBenchmark {

    @Param({"tokenflow", "azure", "bare"})
    public String impl;

    private LoopbackTokenEndpoint endpoint;
    private TokenService tokens;
    private ConnectionProvider connections;
    private HttpClient bare;
    private List<Map.Entry<String, String>> headers;
    private byte[] body;
    private URI tokenUri;
    private BarePost azurePost;

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        tokens = endpoint.runningService();
        LoopbackTokenEndpoint.RecordedRequest sent = endpoint.lastRequest();
        if (sent == null) {
            throw new IllegalStateException("the endpoint recorded no request");
        }
        headers = sent.headers().stream()
                .filter(h -> !h.getKey().equalsIgnoreCase("host"))
                .toList();
        body = sent.body().getBytes(StandardCharsets.UTF_8);
        tokenUri = endpoint.tokenUri();
        connections = ConnectionProvider.builder("bench-bare")
                .maxConnections(4)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
        bare = HttpClient.create(connections)
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .responseTimeout(Duration.ofSeconds(10));
        azurePost = new BarePost(tokenUri);
        int before = endpoint.requests();
        azureRefresh();
        azureRefresh();
        if (endpoint.requests() != before + 2) {
            throw new IllegalStateException("Azure's cache did not fetch each time");
        }
        String answer = barePost().block(Duration.ofSeconds(10));
        if (answer == null || !answer.contains("\"access_token\"")) {
            throw new IllegalStateException("the bare POST got no token response: " + answer);
        }
    }

    /** The same request, built per call as a hand-written client would. */
    private Mono<String> barePost() {
        return bare
                .headers(h -> headers.forEach(header -> h.add(header.getKey(), header.getValue())))
                .post()
                .uri(tokenUri)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((response, content) -> content.asString());
    }

    /**
     * Azure's refresh: {@code AccessTokenCache} will not fetch again within 30 s of a fetch, even
     * when asked to ({@code getToken(.., true)}), so each refresh is a new cache's first fetch.
     */
    private Object azureRefresh() {
        return AzurePeer.cache(azurePost).getToken(AzurePeer.CONTEXT, false).block(Duration.ofSeconds(10));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n%s: %d token requests over %d connections%n", impl, endpoint.requests(), endpoint.connections());
        tokens.dispose();
        connections.disposeLater().block(Duration.ofSeconds(5));
        azurePost.close();
        endpoint.close();
    }

    @Benchmark
    public Object refresh() {
        return switch (impl) {
            case "tokenflow" -> {
                AccessToken token = tokens.refresh().block();
                yield token;
            }
            case "azure" -> azureRefresh();
            case "bare" -> barePost().block();
            default -> throw new IllegalArgumentException("impl: " + impl);
        };
    }
}
