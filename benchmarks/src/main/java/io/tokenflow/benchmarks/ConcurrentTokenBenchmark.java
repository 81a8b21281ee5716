package io.tokenflow.benchmarks;

import io.tokenflow.core.TokenService;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of {@code tokenService.token()} called from every core at once
 * ({@code @Threads(Threads.MAX)}: one JMH thread per available processor) on one shared service
 * holding a valid token: the hot path has no lock and writes no shared memory, so it should scale
 * with the cores. Reported in ops/s, summed over the threads.
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ConcurrentTokenBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Threads(Threads.MAX)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConcurrentTokenBenchmark {

    private LoopbackTokenEndpoint endpoint;
    private TokenService tokens;

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        tokens = endpoint.runningService();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tokens.dispose();
        endpoint.close();
        endpoint.requireRequests(1, getClass().getSimpleName());
    }

    @Benchmark
    public void token(Blackhole blackhole) {
        blackhole.consume(tokens.token());
    }
}
