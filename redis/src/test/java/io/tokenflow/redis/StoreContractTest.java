package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.CredentialDowngradeException;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.FileCredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import io.tokenflow.test.LocalRedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The credential store contract, the same for the in-memory, file and Redis stores: load, save
 * and clear, the downgrade refusal, what another handle on the same storage sees and is told of,
 * the refresh lease, and (where storage can be damaged) that an unreadable record is never
 * overwritten. Every operation is subscribed on a non-blocking thread (BlockHound is installed).
 */
class StoreContractTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private static LocalRedisServer server;
    private static RedisStores redisStores;

    @BeforeAll
    static void start() {
        server = LocalRedisServer.start();
        redisStores = new RedisStores(server);
    }

    @AfterAll
    static void stop() {
        redisStores.close();
        server.close();
    }

    /** One storage and two handles on it (the in-memory store: the same instance twice, as services share one). */
    enum Kind {
        MEMORY, FILE, REDIS;

        Backend open() {
            return switch (this) {
                case MEMORY -> {
                    InMemoryCredentialStore store = InMemoryCredentialStore.empty();
                    yield new Backend(store, store, null, () -> { });
                }
                case FILE -> {
                    Path dir = temporaryFolder();
                    Path file = dir.resolve("token.json");
                    yield new Backend(FileCredentialStore.at(file).withPollInterval(Duration.ofMillis(50)),
                            FileCredentialStore.at(file).withWriteLockWait(Duration.ofMillis(300)).withPollInterval(Duration.ofMillis(50)),
                            () -> write(file, "{\"version\": 1, \"access_tok"), () -> delete(dir));
                }
                case REDIS -> {
                    String name = "contract-" + NAMES.incrementAndGet();
                    Keys keys = Keys.of("tokenflow:", name);
                    yield new Backend(redisStores.store(name),
                            redisStores.track(redisStores.builder(name).writeLockWait(Duration.ofMillis(300)).build()),
                            () -> server.command("HSET", keys.cred(), "blob", "k1.AAAA.AAAA"), () -> { });
                }
            };
        }
    }

    /**
     * @param corrupt damages the stored record so that it cannot be read; null where storage cannot be damaged
     */
    record Backend(CredentialStore store, CredentialStore other, Runnable corrupt, Runnable cleanUp) {
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anEmptyStoreLoadsAsEmpty(Kind kind) {
        Backend b = kind.open();

        StepVerifier.create(onParallel(b.store().load())).expectComplete().verify(WAIT);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSavedCredentialLoadsBackEqualThroughAnotherHandleExtensionsIncluded(Kind kind) {
        Backend b = kind.open();
        Credential saved = generation(1).toBuilder().extensions(Map.of("x_tenant", "blue", "x_list", List.of(1, "two"))).build();

        onParallel(b.store().save(saved)).block(WAIT);

        assertThat(onParallel(b.other().load()).block(WAIT)).isEqualTo(saved);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLaterSaveReplacesAnEarlierOne(Kind kind) {
        Backend b = kind.open();

        onParallel(b.store().save(generation(1))).block(WAIT);
        onParallel(b.other().save(generation(2))).block(WAIT);

        assertThat(onParallel(b.store().load()).block(WAIT)).isEqualTo(generation(2));
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentSavesThroughOneHandleAllLandOneAfterTheOther(Kind kind) {
        Backend b = kind.open();

        // Started a little apart, so that saves begin while an earlier one holds its lock or lease.
        List<Credential> saved = reactor.core.publisher.Flux.range(1, 40)
                .flatMap(n -> Mono.delay(Duration.ofMillis(n)).then(onParallel(b.store().save(generation(n)))).thenReturn(generation(n)))
                .collectList()
                .block(WAIT);

        assertThat(saved).hasSize(40);
        assertThat(onParallel(b.other().load()).block(WAIT)).isIn(saved);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSaveWithoutARefreshTokenOverOneWithIsRefusedAndChangesNothing(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);

        StepVerifier.create(onParallel(b.other().save(accessOnly("at-2"))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CredentialDowngradeException.class)
                        .hasMessageContaining(b.other().describe()))
                .verify(WAIT);
        assertThat(onParallel(b.store().load()).block(WAIT)).isEqualTo(generation(1));
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void clearEmptiesTheStoreSoThatADowngradeCanBeMadeOnPurpose(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);

        onParallel(b.store().clear()).block(WAIT);
        StepVerifier.create(onParallel(b.other().load())).expectComplete().verify(WAIT);
        onParallel(b.store().save(accessOnly("at-2"))).block(WAIT);

        assertThat(onParallel(b.other().load()).block(WAIT).refreshToken()).isEmpty();
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void changesReportWhatAnotherHandleWrites(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);

        Credential seen = b.store().changes()
                .filter(c -> c.accessToken().map(AccessToken::value).filter("at-2"::equals).isPresent())
                .next()
                .doOnSubscribe(s -> Mono.delay(Duration.ofMillis(300)).then(b.other().save(generation(2))).subscribe())
                .block(WAIT);

        assertThat(seen).isEqualTo(generation(2));
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theLeaseHoldersSaveIsWhatTheNextReaderFinds(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);

        Mono<Void> refresh = b.store().acquireRefreshLease().flatMap(lease -> b.store().load()
                .flatMap(current -> lease.beforeRefresh(current))
                .then(b.store().save(generation(2)))
                .then(lease.release()));
        onParallel(refresh).block(WAIT);

        assertThat(onParallel(b.other().load()).block(WAIT)).isEqualTo(generation(2));
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"FILE", "REDIS"})
    void aHeldRefreshLeaseKeepsAnotherHolderWaitingUntilItIsBusy(Kind kind) {
        Backend b = kind.open();
        CredentialStore.RefreshLease held = onParallel(b.store().acquireRefreshLease()).block(WAIT);

        StepVerifier.create(onParallel(b.other().acquireRefreshLease()))
                .expectError(CredentialBusyException.class)
                .verify(WAIT);
        onParallel(held.release()).block(WAIT);
        onParallel(b.other().acquireRefreshLease().flatMap(CredentialStore.RefreshLease::release)).block(WAIT);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"FILE", "REDIS"})
    void aCredentialWithoutAnAccessTokenIsNotWritten(Kind kind) {
        Backend b = kind.open();

        StepVerifier.create(onParallel(b.store().save(Credential.builder().refreshToken("rt-1").build())))
                .expectError(IllegalArgumentException.class)
                .verify(WAIT);
        StepVerifier.create(onParallel(b.other().load())).expectComplete().verify(WAIT);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"FILE", "REDIS"})
    void anUnreadableRecordIsAnErrorAndIsNeverOverwritten(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);
        b.corrupt().run();

        StepVerifier.create(onParallel(b.other().load()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(b.other().describe()))
                .verify(WAIT);
        StepVerifier.create(onParallel(b.other().save(generation(2))))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("refusing to overwrite"))
                .verify(WAIT);
        StepVerifier.create(onParallel(b.store().load())).expectError(IllegalStateException.class).verify(WAIT);
        b.cleanUp().run();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void describeNamesTheStoreAndNoToken(Kind kind) {
        Backend b = kind.open();
        onParallel(b.store().save(generation(1))).block(WAIT);

        assertThat(b.store().describe()).isNotBlank().doesNotContain("at-1", "rt-1");
        assertThat(b.store().toString()).doesNotContain("at-1", "rt-1");
        b.cleanUp().run();
    }

    static Credential generation(int n) {
        return Credential.builder()
                .accessToken(AccessToken.of("at-" + n, "Bearer", Instant.parse("2030-01-01T00:00:00Z"), Set.of("api.read")))
                .refreshToken("rt-" + n)
                .build();
    }

    private static Credential accessOnly(String access) {
        return Credential.builder().accessToken(AccessToken.of(access, "Bearer", Instant.parse("2030-01-01T00:00:00Z"), Set.of()))
                .build();
    }

    private static <T> Mono<T> onParallel(Mono<T> operation) {
        return operation.subscribeOn(Schedulers.parallel());
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("tokenflow-contract-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
