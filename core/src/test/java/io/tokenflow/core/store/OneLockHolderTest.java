package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One credential file has one lock holder in this JVM however its path is spelled (issue 12.2):
 * through a symlinked folder whose sub-folder did not exist when the first store started, the
 * two stores share the holder, refreshes exclude each other and another process, and nothing
 * ends in {@code OverlappingFileLockException} or in a dropped lock.
 */
class OneLockHolderTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;

    @Test
    void twoSpellingsThroughASymlinkCreatedFolderShareOneHolderAndExcludeAnotherProcess() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        FileCredentialStore throughLink = FileCredentialStore.at(link.resolve("sub").resolve("token.json"))
                .withWriteLockWait(WAIT);
        // The first store starts while the sub-folder does not exist yet.
        assertThat(throughLink.load().blockOptional(WAIT)).isEmpty();
        Files.createDirectories(real.resolve("sub"));
        FileCredentialStore direct = FileCredentialStore.at(real.resolve("sub").resolve("token.json")).withWriteLockWait(WAIT);
        Path holder = Files.writeString(dir.resolve("holder"), "free");
        Path lockFile = real.resolve("sub").resolve("token.json.lock");

        AtomicInteger violations = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (ChildJvm other = ChildJvm.startQuiet("lock-loop", "lock-loop", lockFile.toString(), holder.toString())) {
            other.expect("started", WAIT);
            List<CompletableFuture<Void>> holders = new ArrayList<>();
            for (FileCredentialStore store : List.of(throughLink, direct)) {
                holders.add(CompletableFuture.runAsync(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        try {
                            CredentialStore.RefreshLease lease = store.acquireRefreshLease().block(WAIT);
                            if (!"free".equals(Files.readString(holder))) {
                                violations.incrementAndGet();
                            }
                            Files.writeString(holder, "this JVM");
                            Files.writeString(holder, "free");
                            lease.release().block(WAIT);
                        } catch (Throwable e) {
                            errors.incrementAndGet();
                            failures.add(e);
                        }
                    }
                }, threads));
            }
            CompletableFuture.allOf(holders.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            other.send("stop");
            String report = other.expect("held", WAIT);

            assertThat(failures).as("lease errors (an OverlappingFileLockException among them?)").isEmpty();
            assertThat(errors).hasValue(0);
            assertThat(violations).as("times this JVM found the file held by someone else").hasValue(0);
            String[] counts = report.split(" ");
            assertThat(Integer.parseInt(counts[0])).as("times the other process held the lock: it competed").isPositive();
            assertThat(counts[2]).as("times the other process found the file held by this JVM").isEqualTo("0");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void twoSpellingsOfOneFileResolveToOneKey() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);

        Path beforeTheFolderExists = PathLock.canonical(link.resolve("a/b/../b/token.json"));
        Files.createDirectories(real.resolve("a/b"));

        assertThat(beforeTheFolderExists).isEqualTo(PathLock.canonical(real.resolve("a/b/token.json")));
        assertThat(PathLock.canonical(link.resolve("a/./b/token.json"))).isEqualTo(beforeTheFolderExists);
    }
}
