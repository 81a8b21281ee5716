package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.Await;
import io.tokenflow.test.LogCapture;
import io.tokenflow.test.TestScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;
import reactor.core.Disposable;
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

        try (LogCapture logs = LogCapture.of(FileCredentialStore.class)) {
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
        TestScheduler timer = TestScheduler.delegatingTo(Schedulers.parallel());
        FileCredentialStore store = watched().withScheduler(timer);
        store.load().block(WAIT);

        Disposable first = store.changes().subscribe();
        Disposable second = store.changes().subscribe();
        Await.until(WAIT, "the watch's timer runs", () -> timer.periodicTasks() == 1);
        first.dispose();
        assertThat(timer.periodicTasks()).as("still watched by one").isEqualTo(1);
        second.dispose();
        assertThat(timer.periodicTasks()).as("nobody watches").isZero();

        Disposable third = store.changes().subscribe();
        Await.until(WAIT, "a new subscriber starts the watch again", () -> timer.periodicTasks() == 1);
        third.dispose();
        assertThat(timer.periodicTasks()).isZero();
    }
}
