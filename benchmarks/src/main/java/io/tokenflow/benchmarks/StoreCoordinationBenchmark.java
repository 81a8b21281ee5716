package io.tokenflow.benchmarks;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.FileCredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import io.tokenflow.redis.RedisCredentialStore;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServer;
import io.tokenflow.test.RefreshTokenFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
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

/**
 * What a refresh pays for coordination, by credential store, in one JMH run:
 * {@code impl=memory} (no coordination: the lease is free, nothing is written outside the JVM),
 * {@code impl=file} ({@link FileCredentialStore}: an OS file lock, an fsynced atomic rename) and
 * {@code impl=redis} ({@link RedisCredentialStore} on a local {@code redis-server}, AES-GCM at
 * rest: the lease, the reads, the claim, the save and the release, each one Redis round trip).
 *
 * <ul>
 *   <li>{@code storeRound}: the store's part of one refresh alone, as the engine runs it: take the
 *       lease, load, {@code beforeRefresh} (the claim), save the next credential, release.</li>
 *   <li>{@code refresh}: {@code tokenService.refresh().block()} of a public client whose refresh token
 *       rotates on every use, against tokenflow-test's {@code EmbeddedAuthorizationServer} on
 *       loopback; the teardown fails the trial on any {@code invalid_grant} or reuse detection.</li>
 * </ul>
 *
 * <p>The Redis server comes from {@code TOKENFLOW_REDIS_SERVER}, {@code PATH}, or
 * {@code org.signal:embedded-redis}'s binary (see tokenflow-test's {@code LocalRedisServer});
 * no persistence, so that it measures round trips, not the disk.
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StoreCoordinationBenchmark -prof gc \
 *   -rf json -rff benchmarks/results/store-coordination.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class StoreCoordinationBenchmark {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CLIENT_ID = "bench-public";

    @Param({"memory", "file", "redis"})
    public String impl;

    private LocalRedisServer redis;
    private RedisClient redisClient;
    private Path folder;
    private CredentialStore roundStore;
    private CredentialStore refreshStore;
    private EmbeddedAuthorizationServer server;
    private TokenService tokens;
    private long generation;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        folder = Files.createTempDirectory("tokenflow-bench-");
        if (impl.equals("redis")) {
            redis = LocalRedisServer.start();
            redisClient = RedisClient.create();
            redisClient.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        }
        roundStore = store("round");
        roundStore.save(credential(0)).block(WAIT);

        server = EmbeddedAuthorizationServer.builder().publicClient(CLIENT_ID).start();
        RefreshTokenFamily family = server.startFamily(CLIENT_ID);
        refreshStore = store("refresh");
        refreshStore.save(Credential.builder()
                .accessToken(AccessToken.of("at-seed", "Bearer", Instant.now().plus(Duration.ofHours(1)), Set.of()))
                .refreshToken(family.currentRefreshToken())
                .build()).block(WAIT);
        tokens = TokenService.builder().tokenEndpoint(server.tokenEndpoint()).clientId(CLIENT_ID).credentialStore(refreshStore).build();
        tokens.token().block(WAIT);
    }

    private CredentialStore store(String name) {
        return switch (impl) {
            case "memory" -> InMemoryCredentialStore.empty();
            case "file" -> FileCredentialStore.at(folder.resolve(name + ".json"));
            case "redis" -> {
                byte[] key = new byte[32];
                Arrays.fill(key, (byte) 7);
                yield RedisCredentialStore.builder(redisClient, RedisURI.create(redis.uri()))
                        .name("bench-" + name)
                        .keyring(Map.of("k1", new SecretKeySpec(key, "AES")), "k1")
                        .build();
            }
            default -> throw new IllegalArgumentException("impl: " + impl);
        };
    }

    private static Credential credential(long n) {
        return Credential.builder()
                .accessToken(AccessToken.of("at-" + n, "Bearer", Instant.parse("2030-01-01T00:00:00Z"), Set.of("api.read")))
                .refreshToken("rt-" + n)
                .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        int invalid = server.invalidGrants();
        int reuses = server.reuseDetections();
        System.out.printf("%n%s: %d rotations, %d invalid_grant, %d reuse detections%n", impl, server.rotations(), invalid, reuses);
        tokens.dispose();
        server.close();
        for (CredentialStore store : new CredentialStore[] {roundStore, refreshStore}) {
            if (store instanceof RedisCredentialStore closing) {
                closing.close();
            }
        }
        if (redis != null) {
            redisClient.shutdown();
            redis.close();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        if (invalid != 0 || reuses != 0) {
            throw new IllegalStateException(impl + ": a refresh token was refused or reused");
        }
    }

    /** The store's part of one refresh: lease, load, claim, save, release. */
    @Benchmark
    public Object storeRound() {
        long next = ++generation;
        return roundStore.acquireRefreshLease()
                .flatMap(lease -> roundStore.load()
                        .flatMap(lease::beforeRefresh)
                        .then(roundStore.save(credential(next)))
                        .then(Mono.defer(lease::release))
                        .thenReturn(lease))
                .block();
    }

    /** One whole refresh: the store's part and the token request, with a rotating refresh token. */
    @Benchmark
    public Object refresh() {
        return tokens.refresh().block();
    }
}
