package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.slf4j.event.Level;
import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A credential kept where this process may read but not write (a Kubernetes Secret or ConfigMap
 * volume renewed by a sidecar): the service reads first and takes the refresh lease only to
 * refresh, so a valid stored token is served; it keeps serving and adopting what others write,
 * and never goes UNAUTHENTICATED because it cannot create the lock file (issue 12.5).
 */
class ReadOnlyStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().publicClient("read-only-test").start();
    private final List<TokenService> services = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        services.forEach(TokenService::dispose);
        server.close();
        for (Path mount : mounts) {
            run("umount", mount.toString());
        }
    }

    private TokenService service(CredentialStore store) {
        TokenService service = TokenService.builder()
                .tokenEndpoint(server.tokenEndpoint())
                .clientId("read-only-test")
                .credentialStore(store)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0))
                .build();
        services.add(service);
        return service;
    }

    /** A store that reads and watches like the real one but can never take the refresh lease. */
    private static CredentialStore noLease(Credential stored) {
        InMemoryCredentialStore memory = InMemoryCredentialStore.of(stored);
        return new CredentialStore() {
            public Mono<Credential> load() {
                return memory.load();
            }

            public Mono<Void> save(Credential credential) {
                return Mono.error(new IllegalStateException("read-only"));
            }

            public Mono<Void> clear() {
                return Mono.error(new IllegalStateException("read-only"));
            }

            public Flux<Credential> changes() {
                return memory.changes();
            }

            public Mono<RefreshLease> acquireRefreshLease() {
                return Mono.error(new IllegalStateException("lock file cannot be created: read-only"));
            }

            public String describe() {
                return "no-lease store";
            }
        };
    }

    @Test
    void aValidStoredTokenIsServedWithoutTheLease() {
        TokenService service = service(noLease(TestCredentials.generation(7)));

        assertThat(service.token().block(WAIT).value()).isEqualTo("at-7");
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void onAReadOnlyMountTheServiceServesTheStoredTokenAndAdoptsWhatTheSidecarWrites() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        Path mount = Files.createDirectories(dir.resolve("mount"));
        FileCredentialStore.at(source.resolve("token.json")).save(TestCredentials.generation(1)).block(WAIT);
        readOnlyBindMount(source, mount);
        Path file = mount.resolve("token.json");

        try (LogCapture logs = LogCapture.of(FileCredentialStore.class)) {
            TokenService service = service(FileCredentialStore.at(file).withPollInterval(Duration.ofMillis(50)));
            assertThat(service.token().block(WAIT).value()).isEqualTo("at-1");
            assertThat(server.tokenRequests()).isZero();

            // A refresh needs the lease, which cannot be had here: a transient failure, the stored
            // token is still served, no request is made and nothing is written.
            service.refresh().onErrorResume(CredentialBusyLike::matches, e -> Mono.empty()).block(WAIT);
            assertThat(service.state().status()).isEqualTo(Status.DEGRADED);
            assertThat(service.token().block(WAIT).value()).isEqualTo("at-1");
            assertThat(server.tokenRequests()).isZero();
            assertThat(logs.messages(Level.WARN)).anySatisfy(m -> assertThat(m).contains("read-only")
                    .contains(file.toString()));
            assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().contains("read-only"))
                    .allSatisfy(e -> assertThat(e.getKeyValuePairs()).extracting(pair -> pair.key)
                            .containsExactly("client_id", "endpoint_host"));

            // The sidecar renews the file: adopted within a poll.
            FileCredentialStore.at(source.resolve("token.json")).save(TestCredentials.generation(2)).block(WAIT);
            Await.until(WAIT, "the sidecar's token adopted", () -> "at-2".equals(service.token().block(WAIT).value()));
            assertThat(service.state().status()).isEqualTo(Status.RUNNING);
            assertThat(server.tokenRequests()).isZero();
        }
    }

    /** The refresh's error: a transient failure whose cause is the store's CredentialBusyException. */
    private static final class CredentialBusyLike {
        static boolean matches(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CredentialBusyException) {
                    return true;
                }
            }
            return false;
        }
    }

    private void readOnlyBindMount(Path source, Path mount) throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean ci = "true".equals(System.getenv("CI"));
        int bound = root ? run("mount", "--bind", source.toString(), mount.toString()) : -1;
        if (bound != 0) {
            String why = "needs root and mount(8) for a read-only bind mount: run the build as root (as CI does)";
            if (ci) {
                throw new AssertionError(why + " (CI=true)");
            }
            Assumptions.abort(why);
        }
        mounts.add(mount);
        assertThat(run("mount", "-o", "remount,bind,ro", mount.toString())).as("remount read-only").isZero();
        assertThat(Files.isWritable(mount) && canCreate(mount)).as("the mount refuses writes").isFalse();
    }

    private static boolean canCreate(Path folder) {
        try {
            Files.delete(Files.createFile(folder.resolve("probe")));
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }
}
