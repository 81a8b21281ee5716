package io.tokenflow.redis;

import io.lettuce.core.RedisURI;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.test.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Main class of the child JVMs of the multi-host tests: one host with a {@link TokenService} of a
 * public client on a {@link RedisCredentialStore} (lease 3 s, poll 100 ms, the test keyring).
 * Arguments: {@code <redis uri> <name> <token endpoint> <client id> <orphan timeout ms> <hook>}.
 * Answers {@code ready <token>}, then one line per command:
 * <ul>
 *   <li>{@code refresh}: 8 threads call {@code refresh()} at once; {@code called} once all 8 have
 *       the refresh, then {@code token <value>} when all got the same one ({@code error <why>} else);</li>
 *   <li>{@code token}: {@code token <value>} (or {@code error <why>});</li>
 *   <li>{@code soak <ms>}: 8 threads call {@code token()} (about once a millisecond each) until the time is up; answers
 *       {@code soaked <calls> <errors> <distinct tokens>};</li>
 *   <li>{@code quit}.</li>
 * </ul>
 * The hook {@code pause-before-claim} ({@code pause-after-claim}) answers {@code claiming}
 * ({@code claimed}) right before (after) the store's claim and waits for a {@code go} line: the
 * test stops the process there ({@code kill -STOP}).
 */
final class RedisChild {

    static final int THREADS = 8;
    private static final Duration WAIT = Duration.ofSeconds(40);

    private RedisChild() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String name = args[1];
        URI endpoint = URI.create(args[2]);
        String clientId = args[3];
        Duration orphanTimeout = Duration.ofMillis(Long.parseLong(args[4]));
        String hook = args[5];
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Sinks.Empty<Void> go = Sinks.empty();
        Thread reader = new Thread(() -> read(commands, go), "stdin");
        reader.setDaemon(true);
        reader.start();

        RedisCredentialStore redis = RedisCredentialStore.builder(RedisStores.client(), RedisURI.create(uri))
                .name(name)
                .keyring(Map.of("k1", RedisStores.key(1)), "k1")
                .leaseTtl(RedisStores.LEASE_TTL)
                .orphanTimeout(orphanTimeout)
                .pollInterval(RedisStores.POLL)
                .commandTimeout(RedisStores.COMMAND_TIMEOUT)
                .build();
        CredentialStore store = hook.equals("none") ? redis : new HookedStore(redis,
                hook.equals("pause-before-claim") ? HookedStore.Stop.BEFORE_CLAIM : HookedStore.Stop.AFTER_CLAIM,
                () -> ChildJvm.answer(hook.equals("pause-before-claim") ? "claiming" : "claimed"), go.asMono());
        TokenService service = TokenService.builder()
                .tokenEndpoint(endpoint)
                .clientId(clientId)
                .credentialStore(store)
                .retryPolicy(RetryPolicy.defaults().withMinBackoff(Duration.ofMillis(200)).withMaxBackoff(Duration.ofSeconds(2)))
                .build();
        ChildJvm.answer("ready " + service.token().block(WAIT).value());
        for (String command; !(command = commands.take()).equals("quit"); ) {
            try {
                if (command.equals("refresh")) {
                    refresh(service);
                } else if (command.equals("token")) {
                    ChildJvm.answer("token " + service.token().block(WAIT).value());
                } else if (command.startsWith("soak ")) {
                    soak(service, Duration.ofMillis(Long.parseLong(command.substring(5))));
                } else {
                    ChildJvm.answer("error unknown command " + command);
                }
            } catch (RuntimeException e) {
                ChildJvm.answer("error " + e);
            }
        }
        service.dispose();
        redis.close();
        System.exit(0);
    }

    private static void read(BlockingQueue<String> commands, Sinks.Empty<Void> go) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("go")) {
                    go.tryEmitEmpty();
                } else {
                    commands.add(line);
                }
            }
        } catch (java.io.IOException closed) {
            // The test is gone.
        }
        commands.add("quit");
    }

    /** {@code THREADS} threads call {@code refresh()} together; every one must join the same refresh. */
    private static void refresh(TokenService service) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch called = new CountDownLatch(THREADS);
        List<Mono<AccessToken>> refreshes = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    refreshes.add(service.refresh());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    called.countDown();
                }
            });
            threads.add(t);
            t.start();
        }
        start.countDown();
        if (!called.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            ChildJvm.answer("error the refreshing threads did not start");
            return;
        }
        ChildJvm.answer("called");
        Set<String> tokens = new HashSet<>();
        for (Mono<AccessToken> refresh : refreshes) {
            tokens.add(refresh.block(WAIT).value());
        }
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
        }
        ChildJvm.answer(tokens.size() == 1 ? "token " + tokens.iterator().next() : "error threads got " + tokens.size() + " tokens");
    }

    private static void soak(TokenService service, Duration length) throws InterruptedException {
        long deadline = System.nanoTime() + length.toNanos();
        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Set<String> distinct = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        distinct.add(service.token().block(WAIT).value());
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        System.out.println("soak error: " + e);
                    }
                    calls.incrementAndGet();
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(length.toMillis() + WAIT.toMillis());
        }
        ChildJvm.answer("soaked " + calls.get() + " " + errors.get() + " " + distinct.size());
    }
}
