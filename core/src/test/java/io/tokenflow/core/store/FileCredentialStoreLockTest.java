package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.CredentialBusyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The refresh lease and the write lock: across processes, and shared by the stores of one JVM. */
class FileCredentialStoreLockTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration CHILD_START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("token.json");
    }

    /** A child JVM holding the refresh lease on {@link #file()}. */
    private ChildJvm childHoldingTheLease() {
        ChildJvm child = ChildJvm.start("hold-lease", "hold-lease", file().toString());
        child.expect("locked", CHILD_START);
        return child;
    }

    @Test
    void aSaveFailsClosedWithBusyAfterTheWriteLockWaitWhileAnotherProcessHoldsTheLock() throws IOException {
        FileCredentialStore store = FileCredentialStore.at(file()).withWriteLockWait(Duration.ofMillis(400));
        store.save(TestCredentials.generation(1)).block(WAIT);
        byte[] before = Files.readAllBytes(file());

        try (ChildJvm child = childHoldingTheLease()) {
            long start = System.nanoTime();
            StepVerifier.create(store.save(TestCredentials.generation(2)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CredentialBusyException.class)
                            .hasMessageContaining(file() + ".lock")
                            .hasMessageContaining("nothing was written"))
                    .verify(WAIT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(400), Duration.ofSeconds(4));
        }
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void clearAndTheRefreshLeaseAlsoWaitForTheOtherProcessThenFailBusy() {
        FileCredentialStore store = FileCredentialStore.at(file()).withWriteLockWait(Duration.ofMillis(300));
        store.save(TestCredentials.generation(1)).block(WAIT);

        try (ChildJvm child = childHoldingTheLease()) {
            StepVerifier.create(store.acquireRefreshLease()).expectError(CredentialBusyException.class).verify(WAIT);
            StepVerifier.create(store.clear()).expectError(CredentialBusyException.class).verify(WAIT);
        }
        assertThat(file()).exists();
    }

    @Test
    void aWaitingSaveGoesThroughWhenTheOtherProcessReleasesTheLock() {
        FileCredentialStore store = FileCredentialStore.at(file()).withWriteLockWait(Duration.ofSeconds(20));
        Credential next = TestCredentials.generation(2);

        try (ChildJvm child = childHoldingTheLease()) {
            StepVerifier.create(store.save(next))
                    .then(() -> child.send("release"))
                    .expectComplete()
                    .verify(Duration.ofSeconds(20));
            child.expect("released", WAIT);
        }
        assertThat(store.load().block(WAIT)).isEqualTo(next);
    }

    @Test
    void theLeaseHoldersOwnSaveDoesNotWaitForItsLease() {
        FileCredentialStore store = FileCredentialStore.at(file()).withWriteLockWait(Duration.ofSeconds(20));
        Credential next = TestCredentials.generation(1);

        CredentialStore.RefreshLease lease = store.acquireRefreshLease().block(WAIT);
        long start = System.nanoTime();
        store.save(next).block(WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        lease.release().block(WAIT);

        assertThat(took).isLessThan(Duration.ofSeconds(2));
        assertThat(store.load().block(WAIT)).isEqualTo(next);
    }

    @Test
    void storesOnOneFileInOneJvmShareOneLockHolder() throws IOException {
        Files.createDirectory(dir.resolve("sub"));
        FileCredentialStore one = FileCredentialStore.at(file());
        FileCredentialStore other = FileCredentialStore.at(dir.resolve("sub/../token.json"));

        CredentialStore.RefreshLease first = one.acquireRefreshLease().block(WAIT);
        StepVerifier.create(other.acquireRefreshLease())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> first.release().block(WAIT))
                .assertNext(second -> second.release().block(WAIT))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void concurrentHoldersInOneJvmNeverOverlapAndEveryOneGetsItsTurn() {
        List<FileCredentialStore> stores = List.of(FileCredentialStore.at(file()), FileCredentialStore.at(file()),
                FileCredentialStore.at(dir.resolve("./token.json")));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger turns = new AtomicInteger();
        int rounds = 300;

        Flux.range(0, rounds)
                .flatMap(i -> Mono.usingWhen(stores.get(i % stores.size()).acquireRefreshLease(),
                        lease -> Mono.fromRunnable(() -> {
                                    turns.incrementAndGet();
                                    if (inside.incrementAndGet() != 1) {
                                        overlaps.incrementAndGet();
                                    }
                                })
                                .then(Mono.delay(Duration.ofMillis(1)))
                                .then(Mono.fromRunnable(inside::decrementAndGet)),
                        CredentialStore.RefreshLease::release), 32)
                .then()
                .block(Duration.ofSeconds(60));

        assertThat(turns).hasValue(rounds);
        assertThat(overlaps).hasValue(0);
    }

    @Test
    void aCancelledWaiterDoesNotKeepTheLockFromTheNextOne() {
        FileCredentialStore store = FileCredentialStore.at(file());
        CredentialStore.RefreshLease held = store.acquireRefreshLease().block(WAIT);
        List<Disposable> cancelled = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cancelled.add(store.acquireRefreshLease().subscribe(lease -> lease.release().subscribe()));
        }

        cancelled.forEach(Disposable::dispose);
        held.release().block(WAIT);

        StepVerifier.create(store.acquireRefreshLease())
                .assertNext(lease -> lease.release().block(WAIT))
                .expectComplete()
                .verify(WAIT);
    }
}
