package io.tokenflow.core.store;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Main class of the child JVMs in multi-process tests ({@link ChildJvm}); answers on stdout with
 * lines starting {@code @@ }. Modes:
 * <ul>
 *   <li>{@code hold-lease <file>}: takes the store's refresh lease, answers {@code locked}, holds it
 *       until a line (or end of input) arrives on stdin, releases it, answers {@code released}.</li>
 *   <li>{@code save-loop <file>}: continues the generation in the file and saves generation after
 *       generation, as fast as it can, until killed; answers {@code saving <first generation>}.</li>
 *   <li>{@code token-service <file> <token endpoint> <client id>}: a TokenService of a public
 *       client on the file; answers
 *       {@code ready <token>}, then {@code token <value>} to each {@code refresh} or {@code token}
 *       command ({@code error <message>} on failure) until {@code quit}.</li>
 * </ul>
 */
final class StoreChild {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Makes each save several file system blocks long, so that a torn write could not go unseen. */
    static final int PADDING = 20_000;

    private StoreChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        switch (args[0]) {
            case "hold-lease" -> holdLease(file);
            case "save-loop" -> saveLoop(file);
            case "lock-loop" -> lockLoop(file, Path.of(args[2]));
            case "token-service" -> tokenService(file, URI.create(args[2]), args[3]);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    private static void answer(String line) {
        System.out.println(ChildJvm.PROTOCOL + line);
        System.out.flush();
    }

    private static BufferedReader stdin() {
        return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    /**
     * Until told to stop, takes the lock file's OS lock whenever it can, the way another process
     * would, and checks the holder file: it must say "free" when the lock is taken (nobody else
     * holds it), else a violation is counted. Answers the number of times it held the lock and the
     * violations.
     */
    private static void lockLoop(Path lockFile, Path holder) throws Exception {
        answer("started");
        BufferedReader commands = stdin();
        int held = 0;
        int violations = 0;
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            while (!commands.ready()) {
                java.nio.channels.FileLock lock = channel.tryLock();
                if (lock == null) {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    continue;
                }
                held++;
                if (!"free".equals(java.nio.file.Files.readString(holder))) {
                    violations++;
                }
                java.nio.file.Files.writeString(holder, "child");
                java.nio.file.Files.writeString(holder, "free");
                lock.release();
                // Leave the others a moment to take it, as an application between refreshes would.
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
        answer("held " + held + " violations " + violations);
    }

    private static void holdLease(Path file) throws Exception {
        CredentialStore.RefreshLease lease = FileCredentialStore.at(file).acquireRefreshLease().block(WAIT);
        answer("locked");
        stdin().readLine();
        lease.release().block(WAIT);
        answer("released");
    }

    /** Generation {@code n} of the save loop: every field says {@code n}, so a mix of two writes shows. */
    static Credential generation(int n) {
        return Credential.builder()
                .accessToken(AccessToken.of("at-" + n, "Bearer", Instant.parse("2030-01-01T00:00:00Z"), Set.of("api.read")))
                .refreshToken("rt-" + n)
                .extensions(Map.of("x_generation", n, "x_padding", padding(n)))
                .build();
    }

    static String padding(int n) {
        String unit = "<" + n + ">";
        return unit.repeat(PADDING / unit.length() + 1).substring(0, PADDING);
    }

    private static void saveLoop(Path file) {
        FileCredentialStore store = FileCredentialStore.at(file);
        Credential current = store.load().block(WAIT);
        int n = current == null ? 0 : ((Number) current.extensions().get("x_generation")).intValue();
        answer("saving " + (n + 1));
        while (true) {
            n++;
            store.save(generation(n)).block(WAIT);
        }
    }

    private static void tokenService(Path file, URI endpoint, String clientId) throws Exception {
        // A long poll interval: in this test the processes meet only through the refresh lease.
        FileCredentialStore store = FileCredentialStore.at(file).withPollInterval(Duration.ofMinutes(10));
        TokenService service = TokenService.builder()
                .tokenEndpoint(endpoint)
                .clientId(clientId)
                .credentialStore(store)
                .build();
        answer("ready " + service.token().block(WAIT).value());
        BufferedReader in = stdin();
        for (String command; (command = in.readLine()) != null && !command.equals("quit"); ) {
            try {
                AccessToken token = switch (command) {
                    case "refresh" -> service.refresh().block(WAIT);
                    case "token" -> service.token().block(WAIT);
                    default -> throw new IllegalArgumentException("unknown command " + command);
                };
                answer("token " + token.value());
            } catch (RuntimeException e) {
                answer("error " + e);
            }
        }
        service.dispose();
    }
}
