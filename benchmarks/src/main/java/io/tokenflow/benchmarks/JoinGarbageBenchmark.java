package io.tokenflow.benchmarks;

import com.google.auth.RequestMetadataCallback;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.test.TestScheduler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.scheduler.Schedulers;

/**
 * Garbage when {@code n} callers join one refresh: per operation the held token is made expired,
 * the endpoint holds its answer, {@code n} callers ask for a token (all join the one refresh),
 * then the answer is released and every caller gets the new token. {@code gc.alloc.rate.norm}
 * divided by {@code n} is the garbage per joiner (the one refresh's own, some 40 KB, is spread
 * over the {@code n}). Callers are one reused, allocation-free subscriber (callback), so what is
 * counted is what the library allocates per joiner.
 *
 * <ul>
 *   <li>{@code tokenflow}: the service's clock ({@code TestScheduler} over {@code parallel()}) moves
 *       2 h, then {@code n} x {@code token().subscribe(..)}.</li>
 *   <li>{@code google}: a new {@code OAuth2Credentials} holding an expired token, then {@code n} x
 *       {@code getRequestMetadata(uri, executor, callback)}: Google's asynchronous join.</li>
 * </ul>
 *
 * <p>Target: linear, &lt;= 200 B per joiner at any {@code n}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar JoinGarbageBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JoinGarbageBenchmark {

    private static final URI ANY = URI.create("https://api.example/");

    @Param({"1000", "10000", "40000"})
    public int n;

    @Param({"tokenflow", "google"})
    public String impl;

    private LoopbackTokenEndpoint endpoint;
    private TestScheduler clock;
    private TokenService tokens;
    private BarePost post;
    private ExecutorService refreshThread;
    private final AtomicInteger got = new AtomicInteger();
    private final CoreSubscriber<AccessToken> caller = new CoreSubscriber<>() {
        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(AccessToken token) {
            got.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            got.incrementAndGet();
        }

        @Override
        public void onComplete() {
        }
    };
    private final RequestMetadataCallback callback = new RequestMetadataCallback() {
        @Override
        public void onSuccess(Map<String, List<String>> metadata) {
            got.incrementAndGet();
        }

        @Override
        public void onFailure(Throwable exception) {
            got.incrementAndGet();
        }
    };

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        clock = TestScheduler.delegatingTo(Schedulers.parallel());
        tokens = endpoint.service().scheduler(clock).build();
        tokens.token().block(Duration.ofSeconds(10));
        post = new BarePost(endpoint.tokenUri());
        refreshThread = Executors.newCachedThreadPool();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tokens.dispose();
        refreshThread.shutdownNow();
        post.close();
        endpoint.close();
    }

    @Benchmark
    public int join() {
        got.set(0);
        endpoint.hold();
        if (impl.equals("tokenflow")) {
            clock.advanceClock(Duration.ofHours(2));
            for (int i = 0; i < n; i++) {
                tokens.token().subscribe(caller);
            }
        } else {
            GooglePeer credentials = new GooglePeer(post, GooglePeer.expired());
            for (int i = 0; i < n; i++) {
                credentials.getRequestMetadata(ANY, refreshThread, callback);
            }
        }
        endpoint.release();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(impl + ": " + got.get() + " of " + n + " callers got a token");
            }
            Thread.onSpinWait();
        }
        return got.get();
    }
}
