package io.tokenflow.benchmarks;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The hot path: {@code tokenService.token()} on a service that holds a valid token (fetched once
 * from a loopback token endpoint in {@code @Setup}, {@code expires_in} 3600).
 *
 * <ul>
 *   <li>{@code token}: the call alone, its {@code Mono} handed to a {@code Blackhole}. The claim
 *       is that {@code token()} returns a pre-built {@code Mono}: target &lt;= 20 ns/op and
 *       0 B/op ({@code gc.alloc.rate.norm}).</li>
 *   <li>{@code tokenSubscribed}: the call and a subscription that takes the token (a reused,
 *       allocation-free subscriber): what a caller pays in total; Reactor's own cost of
 *       subscribing to a {@code Mono.just} is included.</li>
 *   <li>{@code tokenBlock}: {@code token().block()}, for comparison with code that blocks.</li>
 *   <li>{@code baselineClock}, {@code baselineMonoJustSubscribed}: references, not tokenflow: the
 *       clock read the hot path makes ({@code Schedulers.parallel().now(MILLISECONDS)}, i.e.
 *       {@code System.currentTimeMillis()}), and subscribing to a {@code Mono.just} built once.</li>
 * </ul>
 * The tear-down checks that the endpoint saw exactly one request: every operation was the cached path.
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CachedTokenBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CachedTokenBenchmark {

    private LoopbackTokenEndpoint endpoint;
    private TokenService tokens;
    private Mono<AccessToken> justToken;

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        tokens = endpoint.runningService();
        AccessToken first = tokens.token().block(Duration.ofSeconds(10));
        if (first == null || tokens.token() != tokens.token()) {
            throw new IllegalStateException("the service holds no cached token after setup");
        }
        justToken = Mono.just(first);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tokens.dispose();
        endpoint.close();
        endpoint.requireRequests(1, getClass().getSimpleName());
    }

    /** Per-thread reusable subscriber. */
    @State(Scope.Thread)
    public static class Subscriber {
        BlackholeSubscriber<AccessToken> subscriber;

        @Setup(Level.Trial)
        public void setUp(Blackhole blackhole) {
            subscriber = new BlackholeSubscriber<>(blackhole);
        }
    }

    @Benchmark
    public void token(Blackhole blackhole) {
        blackhole.consume(tokens.token());
    }

    @Benchmark
    public void tokenSubscribed(Subscriber s) {
        s.subscriber.run(tokens.token());
    }

    /** Reference: the clock read that the hot path makes to check the token's validity. */
    @Benchmark
    public long baselineClock() {
        return Schedulers.parallel().now(TimeUnit.MILLISECONDS);
    }

    /** Reference: subscribing to any pre-built {@code Mono.just}, Reactor's share of {@code tokenSubscribed}. */
    @Benchmark
    public void baselineMonoJustSubscribed(Subscriber s) {
        s.subscriber.run(justToken);
    }

    @Benchmark
    public AccessToken tokenBlock() {
        Mono<AccessToken> token = tokens.token();
        return token.block();
    }
}
