package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** changes(): content-based polling that reports others' writes, not this store's own. */
class FileCredentialStoreChangesTest {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Several poll intervals: long enough for a wrongly reported change to show. */
    private static final Duration QUIET = POLL.multipliedBy(8);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("token.json");
    }

    private FileCredentialStore watched() {
        return FileCredentialStore.at(file()).withPollInterval(POLL);
    }

    private FileCredentialStore anotherWriter() {
        return FileCredentialStore.at(file());
    }

    @Test
    void anotherWritersCredentialIsReported() {
        FileCredentialStore store = watched();
        store.save(TestCredentials.generation(1)).block(WAIT);
        Credential external = TestCredentials.generation(2);

        StepVerifier.create(store.changes())
                .then(() -> anotherWriter().save(external).block(WAIT))
                .expectNext(external)
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    void thisStoresOwnWritesAreNotReported() {
        FileCredentialStore store = watched();
        store.save(TestCredentials.generation(1)).block(WAIT);
        Credential external = TestCredentials.generation(3);

        StepVerifier.create(store.changes())
                .then(() -> store.save(TestCredentials.generation(2)).block(WAIT))
                .expectNoEvent(QUIET)
                .then(() -> anotherWriter().save(external).block(WAIT))
                .expectNext(external)
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    void theContentDecidesNotTheModificationTime() throws Exception {
        FileCredentialStore store = watched();
        store.save(TestCredentials.generation(1)).block(WAIT);
        byte[] same = Files.readAllBytes(file());
        FileTime before = Files.getLastModifiedTime(file());
        Credential external = TestCredentials.generation(2);
        byte[] different = CredentialJson.encode(external);

        StepVerifier.create(store.changes())
                .then(() -> rewrite(same, FileTime.fromMillis(before.toMillis() + 3_600_000)))
                .expectNoEvent(QUIET)
                .then(() -> rewrite(different, before))
                .expectNext(external)
                .thenCancel()
                .verify(WAIT);
    }

    /** Replaces the file as a careful tool would: whole, by a rename; then sets its modification time. */
    private void rewrite(byte[] content, FileTime modified) {
        try {
            Path temp = Files.write(dir.resolve("tool.tmp"), content);
            Files.move(temp, file(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(file(), modified);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anInvalidFileIsLoggedOnceAndTheWatchGoesOn() {
        FileCredentialStore store = watched();
        store.save(TestCredentials.generation(1)).block(WAIT);
        Credential repaired = TestCredentials.generation(2);

        try (LogCapture logs = new LogCapture()) {
            StepVerifier.create(store.changes())
                    .then(() -> rewrite("{\"version\": 1, \"access_token\": \"sec".getBytes(), FileTime.fromMillis(0)))
                    .expectNoEvent(QUIET)
                    .then(() -> rewrite("{\"version\": 7, \"access_token\": \"sec\"}".getBytes(), FileTime.fromMillis(0)))
                    .expectNoEvent(QUIET)
                    .then(() -> anotherWriter().clear().then(anotherWriter().save(repaired)).block(WAIT))
                    .expectNext(repaired)
                    .thenCancel()
                    .verify(WAIT);

            assertThat(logs.messages(Level.WARN))
                    .filteredOn(m -> m.contains("still watching"))
                    .hasSize(2)
                    .allSatisfy(m -> assertThat(m).contains(file().toString()).doesNotContain("sec\""))
                    .anySatisfy(m -> assertThat(m).contains("the JSON ends early"))
                    .anySatisfy(m -> assertThat(m).contains("version 7 is not supported"));
        }
    }

    @Test
    void theWatchIsSharedAndStopsWhenNobodySubscribes() {
        CountingScheduler timer = new CountingScheduler(Schedulers.parallel());
        FileCredentialStore store = watched().withScheduler(timer);
        store.load().block(WAIT);

        Disposable first = store.changes().subscribe();
        Disposable second = store.changes().subscribe();
        Eventually.await(WAIT, "the watch's timer runs", () -> timer.periodic.get() == 1);
        first.dispose();
        assertThat(timer.periodic).as("still watched by one").hasValue(1);
        second.dispose();
        assertThat(timer.periodic).as("nobody watches").hasValue(0);

        Disposable third = store.changes().subscribe();
        Eventually.await(WAIT, "a new subscriber starts the watch again", () -> timer.periodic.get() == 1);
        third.dispose();
        assertThat(timer.periodic).hasValue(0);
    }

    /** Delegates to a scheduler and counts the periodic tasks that are live (Flux.interval runs one on a worker). */
    private static final class CountingScheduler implements Scheduler {
        final AtomicInteger periodic = new AtomicInteger();
        private final Scheduler delegate;

        CountingScheduler(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return delegate.now(unit);
        }

        @Override
        public Worker createWorker() {
            Worker worker = delegate.createWorker();
            AtomicInteger live = new AtomicInteger();
            return new Worker() {
                @Override
                public Disposable schedule(Runnable task) {
                    return worker.schedule(task);
                }

                @Override
                public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                    return worker.schedule(task, delay, unit);
                }

                @Override
                public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
                    live.incrementAndGet();
                    periodic.incrementAndGet();
                    return worker.schedulePeriodically(task, initialDelay, period, unit);
                }

                @Override
                public void dispose() {
                    periodic.addAndGet(-live.getAndSet(0));
                    worker.dispose();
                }

                @Override
                public boolean isDisposed() {
                    return worker.isDisposed();
                }
            };
        }
    }
}
