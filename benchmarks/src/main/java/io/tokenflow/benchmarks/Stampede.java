package io.tokenflow.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tokenflow.core.TokenService;
import io.tokenflow.http.TokenExchangeFilter;
import io.tokenflow.test.TestScheduler;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The stampede at expiry, counted rather than timed: N = 10, 100, 1,000, 10,000 callers send a
 * request through their {@code WebClient} filter at the moment the held token has expired, and a
 * loopback token endpoint counts the token requests that reach it (each answer takes 20 ms).
 *
 * <p>Per implementation and N, from a fresh client: (1) one call fetches a token
 * ({@code expires_in} 3600); (2) the held token expires: tokenflow's clock moves 1 h forward
 * ({@link TestScheduler} over {@code Schedulers.parallel()}; timers stay in real time), Spring's authorized
 * client is replaced by a copy whose token expired an hour ago (Spring stamps tokens with the
 * system clock, so moving its provider's clock would make fresh tokens look expired too); (3) the endpoint holds its answers while the N callers are started
 * from one thread, so that all N are in flight at expiry, then answers each after 20 ms; (4) every
 * caller is awaited (60 s at most) and the counts recorded. A caller is the filter over a stub
 * {@code ExchangeFunction}; it succeeds when the stub received a request with a bearer token from
 * the refresh.
 *
 * <ul>
 *   <li>{@code tokenflow}: {@code TokenExchangeFilter.forHosts(tokenService, ...)}, defaults.</li>
 *   <li>{@code spring}: {@code ServerOAuth2AuthorizedClientExchangeFilterFunction} over
 *       {@code AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager}, Spring's defaults,
 *       including the token-request {@code WebClient}'s connection pool (Reactor Netty's global
 *       pool: 500 connections, at most 1,000 acquires waiting; a caller past those fails with
 *       {@code PoolAcquirePendingLimitException}).</li>
 *   <li>{@code spring-unbounded-queue}: the same with a token-request pool of 500 connections whose
 *       queue of waiting acquires is unbounded, so that no caller is refused for lack of a
 *       connection and every caller's own token request is sent.</li>
 * </ul>
 * "attempted" counts the token requests each client set out to send (Spring: a filter on its
 * token-request {@code WebClient}; tokenflow: the endpoint count, as its pool queue is unbounded).
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}); prints a
 * table and writes the JSON to the file given (default {@code benchmarks/results/stampede.json}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tokenflow.benchmarks.Stampede benchmarks/results/stampede.json
 * </pre>
 */
public final class Stampede {

    static final int[] CALLERS = {10, 100, 1_000, 10_000};
    static final Duration ANSWER_DELAY = Duration.ofMillis(20);
    static final Duration CALLER_WAIT = Duration.ofSeconds(60);
    static final List<String> IMPLS = List.of("tokenflow", "spring", "spring-unbounded-queue");

    private static final ClientRequest REQUEST = ClientRequest.create(HttpMethod.GET, URI.create("https://api.example.com/orders")).build();
    private static final Mono<ClientResponse> OK = Mono.just(ClientResponse.create(HttpStatus.OK).build());

    record Run(String impl, int callers, int tokenRequests, int attempted, int succeeded, int failed,
               Map<String, Integer> errors, long millis) {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/results/stampede.json");
        List<Run> runs = new ArrayList<>();
        try (LoopbackTokenEndpoint endpoint = LoopbackTokenEndpoint.start(ANSWER_DELAY, 3600)) {
            for (int n : CALLERS) {
                for (String impl : IMPLS) {
                    Run run = run(endpoint, impl, n);
                    runs.add(run);
                    System.out.printf("%-24s N=%,6d: %,6d token requests (%,6d attempted), %,6d ok, %,6d failed %s, %,d ms%n",
                            impl, n, run.tokenRequests, run.attempted, run.succeeded, run.failed,
                            run.errors.isEmpty() ? "" : run.errors.toString(), run.millis);
                }
            }
        }
        printTable(runs);
        write(out, runs);
    }

    static Run run(LoopbackTokenEndpoint endpoint, String impl, int n) throws InterruptedException {
        TestScheduler time = TestScheduler.delegatingTo(Schedulers.parallel());
        AtomicInteger attempted = new AtomicInteger();
        TokenService tokens = null;
        SpringOAuth2 spring = null;
        ConnectionProvider pool = null;
        ExchangeFilterFunction filter;
        switch (impl) {
            case "tokenflow" -> {
                tokens = endpoint.service()
                        .scheduler(time)
                        .build();
                filter = TokenExchangeFilter.forHosts(tokens, "api.example.com");
            }
            case "spring" -> {
                spring = SpringOAuth2.withTokenWebClient(endpoint.tokenUri(), WebClient.builder().filter(counting(attempted)).build());
                filter = spring.filter;
            }
            case "spring-unbounded-queue" -> {
                pool = ConnectionProvider.builder("spring-unbounded-queue").maxConnections(500).pendingAcquireMaxCount(-1).build();
                spring = SpringOAuth2.withTokenWebClient(endpoint.tokenUri(), WebClient.builder()
                        .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
                        .filter(counting(attempted))
                        .build());
                filter = spring.filter;
            }
            default -> throw new IllegalArgumentException(impl);
        }
        try {
            // (1) the first token
            String[] firstSent = new String[1];
            filter.filter(REQUEST, recordingStub(firstSent)).block(Duration.ofSeconds(10));
            String first = firstSent[0];
            if (first == null) {
                throw new IllegalStateException(impl + ": no first token");
            }
            // (2) past its expiry, (3) N callers in flight, then answers
            if (spring != null) {
                spring.expireHeldToken();
            } else {
                time.advanceClock(Duration.ofHours(1));
            }
            endpoint.resetCount();
            attempted.set(0);
            endpoint.hold();
            CountDownLatch done = new CountDownLatch(n);
            LongAdder ok = new LongAdder();
            Map<String, Integer> errors = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String[] sent = new String[1];
                filter.filter(REQUEST, recordingStub(sent))
                        .timeout(CALLER_WAIT)
                        .subscribe(response -> {
                            if (sent[0] != null && !sent[0].equals(first)) {
                                ok.increment();
                            } else {
                                errors.merge("stale or missing token", 1, Integer::sum);
                            }
                        }, error -> {
                            errors.merge(describe(error), 1, Integer::sum);
                            done.countDown();
                        }, done::countDown);
            }
            endpoint.release();
            // (4) every caller
            if (!done.await(CALLER_WAIT.toSeconds() + 10, TimeUnit.SECONDS)) {
                errors.merge("still waiting", (int) done.getCount(), Integer::sum);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            int requests = endpoint.requests();
            int failed = errors.values().stream().mapToInt(Integer::intValue).sum();
            return new Run(impl, n, requests, impl.equals("tokenflow") ? requests : attempted.get(),
                    (int) ok.sum(), failed, new LinkedHashMap<>(errors), millis);
        } finally {
            endpoint.release();
            if (tokens != null) {
                tokens.dispose();
            }
            if (pool != null) {
                pool.disposeLater().block(Duration.ofSeconds(10));
            }
        }
    }

    /** The error's class, and its root cause's when that differs. */
    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String name = error.getClass().getSimpleName();
        return root == error ? name : name + " (" + root.getClass().getSimpleName() + ")";
    }

    private static ExchangeFilterFunction counting(AtomicInteger attempted) {
        return (request, next) -> {
            attempted.incrementAndGet();
            return next.exchange(request);
        };
    }

    private static ExchangeFunction recordingStub(String[] authorization) {
        return request -> {
            authorization[0] = request.headers().getFirst(HttpHeaders.AUTHORIZATION);
            return OK;
        };
    }

    private static void printTable(List<Run> runs) {
        System.out.println();
        System.out.printf("%-24s %8s %15s %10s %10s %10s %8s%n", "client", "callers", "token requests", "attempted", "ok", "failed", "ms");
        for (Run r : runs) {
            System.out.printf("%-24s %,8d %,15d %,10d %,10d %,10d %,8d%n", r.impl, r.callers, r.tokenRequests, r.attempted,
                    r.succeeded, r.failed, r.millis);
        }
    }

    private static void write(Path out, List<Run> runs) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "Stampede");
        json.put("callers", Arrays.stream(CALLERS).boxed().toList());
        json.put("answerDelayMillis", ANSWER_DELAY.toMillis());
        json.put("clockAdvanceSeconds", 3600);
        json.put("runs", runs);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println("wrote " + out);
    }
}
