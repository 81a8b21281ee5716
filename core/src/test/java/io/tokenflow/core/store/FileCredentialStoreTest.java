package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tokenflow.core.CredentialDowngradeException;
import io.tokenflow.test.LogCapture;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Loading, saving and clearing one file: safety of writes, permissions, what is refused. */
class FileCredentialStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("token.json");
    }

    private FileCredentialStore store() {
        return FileCredentialStore.at(file());
    }

    private static boolean posix() {
        return Path.of(".").getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aMissingFileLoadsAsEmpty() {
        StepVerifier.create(store().load()).expectComplete().verify(WAIT);
    }

    @Test
    void aSavedCredentialLoadsBackEqual() {
        Credential credential = TestCredentials.generation(1);

        store().save(credential).block(WAIT);

        assertThat(FileCredentialStore.at(file()).load().block(WAIT)).isEqualTo(credential);
    }

    @Test
    void saveRefusesToReplaceACredentialWithARefreshTokenByOneWithout() throws IOException {
        store().save(TestCredentials.generation(1)).block(WAIT);
        byte[] before = Files.readAllBytes(file());

        StepVerifier.create(store().save(TestCredentials.accessOnly("at-2")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CredentialDowngradeException.class)
                        .hasMessageContaining("file " + file()))
                .verify(WAIT);
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void clearRemovesTheFileSoThatADowngradeCanBeMadeOnPurpose() {
        FileCredentialStore store = store();
        store.save(TestCredentials.generation(1)).block(WAIT);

        store.clear().block(WAIT);
        assertThat(file()).doesNotExist();
        store.save(TestCredentials.accessOnly("at-2")).block(WAIT);

        assertThat(store.load().block(WAIT).refreshToken()).isEmpty();
    }

    @Test
    void aCredentialWithoutAnAccessTokenIsNotWritten() {
        Credential seed = Credential.builder().refreshToken("rt-1").build();

        StepVerifier.create(store().save(seed)).expectError(IllegalArgumentException.class).verify(WAIT);
        assertThat(file()).doesNotExist();
    }

    @Test
    void theFileIsReadableByItsOwnerOnlyAfterEveryWrite() throws IOException {
        assumeTrue(posix(), "POSIX permissions");
        FileCredentialStore store = store();

        store.save(TestCredentials.generation(1)).block(WAIT);
        assertThat(mode(file())).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("token.json.lock"))).isEqualTo("rw-------");

        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-rw-r--"));
        store.save(TestCredentials.generation(2)).block(WAIT);
        assertThat(mode(file())).isEqualTo("rw-------");

        store.save(TestCredentials.generation(3)).block(WAIT);
        assertThat(mode(file())).isEqualTo("rw-------");
    }

    @Test
    void aMissingFolderIsCreatedForItsOwnerOnly() throws IOException {
        assumeTrue(posix(), "POSIX permissions");
        Path nested = dir.resolve("state/app/token.json");

        FileCredentialStore.at(nested).save(TestCredentials.generation(1)).block(WAIT);

        assertThat(mode(nested)).isEqualTo("rw-------");
        assertThat(mode(nested.getParent())).isEqualTo("rwx------");
    }

    @Test
    void aFileReadableByOthersIsReportedWithAWarning() throws IOException {
        assumeTrue(posix(), "POSIX permissions");
        Files.writeString(file(), "{\"version\": 1, \"access_token\": \"at-1\"}");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));

        try (LogCapture logs = LogCapture.of(FileCredentialStore.class)) {
            store().load().block(WAIT);

            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .contains(file().toString(), "rw-r--r--", "chmod 600")
                    .doesNotContain("at-1");
        }
    }

    @Test
    void aSymbolicLinkIsRefusedAndItsTargetLeftAlone() throws IOException {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere")).resolve("real.json");
        Files.writeString(elsewhere, "{\"version\": 1, \"access_token\": \"at-1\"}");
        Files.createSymbolicLink(file(), elsewhere);

        StepVerifier.create(store().load())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(file() + " is a symbolic link (to " + elsewhere + ")"))
                .verify(WAIT);
        StepVerifier.create(store().save(TestCredentials.generation(2)))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("is a symbolic link"))
                .verify(WAIT);
        assertThat(Files.isSymbolicLink(file())).isTrue();
        assertThat(Files.readString(elsewhere)).isEqualTo("{\"version\": 1, \"access_token\": \"at-1\"}");
    }

    @Test
    void aDirectoryIsRefused() throws IOException {
        Files.createDirectory(file());

        StepVerifier.create(store().load())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessage("credential file " + file() + " is a directory, not a file"))
                .verify(WAIT);
        StepVerifier.create(store().save(TestCredentials.generation(1)))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("is a directory"))
                .verify(WAIT);
    }

    @Test
    void anUnreadableFileIsAClearError() throws IOException {
        assumeTrue(posix(), "POSIX permissions");
        Files.writeString(file(), "{\"version\": 1, \"access_token\": \"at-1\"}");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(file()), "the test runs as a user that permissions apply to (not root)");

        StepVerifier.create(store().load())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(file() + " cannot be read: permission denied"))
                .verify(WAIT);
    }

    @Test
    void aPermissionProblemIsNamedAsSuch() {
        // Also covers root, whom permissions do not stop: the message an unreadable file gives.
        CredentialFileException e = CredentialFileException.unreadable(file(), new AccessDeniedException(file().toString()));

        assertThat(e).hasMessage("credential file " + file() + " cannot be read: permission denied (the process needs "
                + "read and write access to the file and write access to its folder)");
    }

    @Test
    void tempFilesLeftByACrashedWriterAreNotReadAndAreRemovedByTheNextWrite() throws IOException {
        FileCredentialStore store = store();
        Credential saved = TestCredentials.generation(1);
        store.save(saved).block(WAIT);
        Path torn = Files.writeString(dir.resolve(".token.json.5eed.tmp"), "{\"version\": 1, \"access_tok");

        assertThat(store.load().block(WAIT)).isEqualTo(saved);
        store.save(TestCredentials.generation(2)).block(WAIT);

        assertThat(torn).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(List.of("token.json", "token.json.lock"));
        }
    }

    @Test
    void everyOperationMovesItsFileIoOffTheNonBlockingThreadItIsCalledOn() {
        FileCredentialStore store = store().withPollInterval(Duration.ofMillis(20));
        Credential first = TestCredentials.generation(1);
        Credential second = TestCredentials.generation(2);

        // CredentialFile refuses I/O on a non-blocking thread, so each step would fail if it ran where it is called.
        Mono<Credential> steps = onParallel(() -> store.save(first))
                .then(onParallel(store::load))
                .then(onParallel(store::acquireRefreshLease))
                .flatMap(lease -> onParallel(() -> store.save(second)).then(onParallel(lease::release)))
                .then(onParallel(() -> store.changes().next()
                        .doOnSubscribe(s -> FileCredentialStore.at(file()).save(TestCredentials.generation(3)).subscribe())))
                .flatMap(change -> onParallel(store::clear).thenReturn(change));

        StepVerifier.create(steps)
                .assertNext(change -> assertThat(change.accessToken().orElseThrow().value()).isEqualTo("at-3"))
                .expectComplete()
                .verify(WAIT);
        assertThat(file()).doesNotExist();
    }

    /** Subscribes to what {@code operation} returns on a non-blocking thread. */
    private static <T> Mono<T> onParallel(java.util.function.Supplier<Mono<T>> operation) {
        return Mono.defer(operation).subscribeOn(Schedulers.parallel());
    }
}
