package io.tokenflow.core.store;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.CredentialDowngradeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A credential kept in a JSON file that several processes (and operators' tools) may share.
 *
 * <pre>{@code
 * TokenService tokens = TokenService.builder()
 *     .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
 *     .clientId("cli")
 *     .credentialStore(FileCredentialStore.at(Path.of("/var/lib/app/token.json")))
 *     .build();
 * }</pre>
 *
 * <p><b>Format</b> (public; other tools may write it): a JSON object with RFC 6749 names,
 * {@code {"version": 1, "access_token", "token_type", "expires_at", "refresh_token", "scope",
 * "issued_at", "refresh_token_rotated_at", "token_endpoint", "client_id"}}. Only {@code version}
 * (1) and {@code access_token} are required; {@code token_type} defaults to {@code Bearer}; times
 * are ISO-8601; {@code scope} is space-separated; a file without {@code expires_at} holds a token
 * valid until rejected. Fields it does not know are kept on rewrite ({@link Credential#extensions()}).
 * An empty, corrupt, unknown-version or incomplete file is an error naming the file and the
 * problem (never its content), and is never overwritten by {@link #save}.
 *
 * <p><b>Writes</b> are atomic: a temp file in the same folder, {@code force(true)}, then an
 * {@code ATOMIC_MOVE} rename; a crash leaves the old file or the new one. The file is created
 * {@code 0600} on POSIX file systems; a file found readable by group or others is reported with a
 * warning. A symbolic link, a folder or an unreadable file at the path is an error.
 *
 * <p><b>Refresh lease</b>: a non-blocking {@code FileChannel.tryLock} on {@code <file>.lock},
 * polled until taken. The holder reloads, refreshes, saves, releases; the others wait, then reload
 * and adopt its token, so no process replays a rotated refresh token. All stores in one JVM on the
 * same file (by canonical path) share one lock holder. A {@code save} or {@code clear} while this
 * JVM holds the refresh lease on the file counts as the lease holder's and does not wait; otherwise
 * it takes the lock itself. Waiting for the lock (lease, save or clear) ends after
 * {@link #withWriteLockWait write lock wait} with {@link CredentialBusyException}, nothing written.
 *
 * <p><b>Changes</b> by others are found by polling the file's content (a hash, not its
 * modification time) every {@link #withPollInterval poll interval}.
 *
 * <p>Thread-safe, with immutable configuration: the {@code withX} methods return a new store (with
 * its own change watch and baseline). All file I/O runs on {@code Schedulers.boundedElastic()}.
 */
public final class FileCredentialStore implements CredentialStore {

    /** Default {@link #withPollInterval poll interval}: 2 s. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    /** Default {@link #withWriteLockWait write lock wait}: 35 s, longer than a slow token request holds the lease. */
    public static final Duration DEFAULT_WRITE_LOCK_WAIT = Duration.ofSeconds(35);

    private static final String ABSENT = "absent";

    private final CredentialFile file;
    private final Duration pollInterval;
    private final Duration writeLockWait;
    private final Scheduler timer;

    /** Hash of the content this instance last read or wrote (ABSENT: no file); guarded by the PathLock's io. */
    private final AtomicReference<@Nullable String> seen = new AtomicReference<>();
    private final AtomicReference<@Nullable String> lastProblem = new AtomicReference<>();
    private volatile @Nullable PathLock lock;
    private final Flux<Credential> changes;

    private FileCredentialStore(Path file, Duration pollInterval, Duration writeLockWait, Scheduler timer) {
        this.file = new CredentialFile(file);
        this.pollInterval = pollInterval;
        this.writeLockWait = writeLockWait;
        this.timer = timer;
        this.changes = Flux.deferContextual(context -> watch(StoreLog.in(context))).share();
    }

    /**
     * A store on {@code file} (which need not exist yet; its folder is created {@code 0700} on the
     * first write), polling every 2 s, waiting up to 35 s for the lock, timers on
     * {@code Schedulers.parallel()}. Does no I/O.
     */
    public static FileCredentialStore at(Path file) {
        Objects.requireNonNull(file, "file");
        return new FileCredentialStore(file, DEFAULT_POLL_INTERVAL, DEFAULT_WRITE_LOCK_WAIT, Schedulers.parallel());
    }

    /** How often {@link #changes()} reads the file (default 2 s; resolution: ms; at least 10 ms). */
    public FileCredentialStore withPollInterval(Duration pollInterval) {
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.compareTo(Duration.ofMillis(10)) < 0) {
            throw new IllegalArgumentException("pollInterval must be at least 10 ms, was " + pollInterval);
        }
        return new FileCredentialStore(file.path(), pollInterval, writeLockWait, timer);
    }

    /**
     * Longest wait for the file's lock, for a refresh lease, a save or a clear (default 35 s;
     * resolution: ms; zero: take it only if free now). After it: {@link CredentialBusyException}.
     */
    public FileCredentialStore withWriteLockWait(Duration writeLockWait) {
        Objects.requireNonNull(writeLockWait, "writeLockWait");
        if (writeLockWait.isNegative()) {
            throw new IllegalArgumentException("writeLockWait must not be negative, was " + writeLockWait);
        }
        return new FileCredentialStore(file.path(), pollInterval, writeLockWait, timer);
    }

    /**
     * The scheduler for timers and clocks: the poll interval, the lock's retry steps and wait
     * (default {@code Schedulers.parallel()}). File I/O always runs on {@code Schedulers.boundedElastic()}.
     */
    public FileCredentialStore withScheduler(Scheduler scheduler) {
        return new FileCredentialStore(file.path(), pollInterval, writeLockWait, Objects.requireNonNull(scheduler, "scheduler"));
    }

    /** The credential file (absolute). */
    public Path file() {
        return file.path();
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    public Duration writeLockWait() {
        return writeLockWait;
    }

    /**
     * The stored credential; empty when the file does not exist. Errors with an
     * {@code IllegalStateException} naming the file and the problem for an invalid, unreadable or
     * linked file. Takes no lock: writes are atomic renames, so a read sees a whole file.
     */
    @Override
    public Mono<Credential> load() {
        return Mono.deferContextual(context -> Mono.fromCallable(() -> {
            PathLock l = pathLock();
            byte[] content;
            synchronized (l.io) {
                content = file.read(StoreLog.in(context));
                seen.set(hash(content));
            }
            return content == null ? null : CredentialJson.decode(content, file.path());
        })).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * Replaces the file with {@code credential}, under the lock. Errors: {@link CredentialDowngradeException}
     * when the file's credential has a refresh token and {@code credential} has none;
     * {@link CredentialBusyException} after the lock wait; {@code IllegalStateException} when the
     * current file cannot be read (fail closed: an unreadable file is not overwritten);
     * {@code IllegalArgumentException} for a credential without an access token. Nothing is
     * written on error.
     */
    @Override
    public Mono<Void> save(Credential credential) {
        Objects.requireNonNull(credential, "credential");
        return Mono.deferContextual(context -> {
            StoreLog log = StoreLog.in(context);
            byte[] content = CredentialJson.encode(credential);
            return exclusive(() -> {
                byte[] current = file.read(log);
                if (current != null) {
                    Credential existing;
                    try {
                        existing = CredentialJson.decode(current, file.path());
                    } catch (CredentialFileException unreadable) {
                        throw CredentialFileException.refusingToOverwrite(file.path(), unreadable);
                    }
                    if (existing.refreshToken().isPresent() && credential.refreshToken().isEmpty()) {
                        throw CredentialDowngradeException.refreshTokenWouldBeLost(describe());
                    }
                }
                file.write(content, log);
                seen.set(hash(content));
                log.at(Level.DEBUG).log("wrote {}", file.path());
            });
        });
    }

    /** Deletes the file (whatever it holds, even an invalid one), under the lock. */
    @Override
    public Mono<Void> clear() {
        return Mono.deferContextual(context -> {
            StoreLog log = StoreLog.in(context);
            return exclusive(() -> {
                if (file.delete(log)) {
                    log.at(Level.INFO).log("cleared {}", file.path());
                }
                seen.set(ABSENT);
            });
        });
    }

    /**
     * Credentials found in the file when its content differs from what this instance last read or
     * wrote (its own writes are not reported), checked every poll interval. Hot and shared: polling
     * runs while someone subscribes; a new watch takes the file as it is (or as this instance last
     * saw it) for the baseline. Never errors: a missing, invalid or unreadable file is logged and
     * watching goes on. Emits on {@code boundedElastic} threads.
     */
    @Override
    public Flux<Credential> changes() {
        return changes;
    }

    /**
     * Completes once this process holds the lock on {@code <file>.lock} (and no other holder in
     * this JVM does). Errors with {@link CredentialBusyException} after the write lock wait.
     * Release it after the refreshed credential is saved.
     */
    @Override
    public Mono<RefreshLease> acquireRefreshLease() {
        return pathLockAsync().flatMap(l -> l.acquire(true, writeLockWait, timer)).map(held -> held);
    }

    @Override
    public String describe() {
        return "file " + file.path();
    }

    @Override
    public String toString() {
        return "FileCredentialStore[" + file.path() + ", poll " + pollInterval + ", lock wait " + writeLockWait + "]";
    }

    // ---------------------------------------------------------------- internals

    private Mono<Void> exclusive(Runnable action) {
        return pathLockAsync().flatMap(l -> l.runExclusive(writeLockWait, timer, action));
    }

    private Flux<Credential> watch(StoreLog log) {
        Mono<Void> baseline = Mono.fromRunnable(() -> {
            if (seen.get() == null) {
                PathLock l = pathLock();
                synchronized (l.io) {
                    seen.compareAndSet(null, hash(file.read(log)));
                }
            }
        }).subscribeOn(Schedulers.boundedElastic()).onErrorResume(e -> {
            report(e, log);
            return Mono.empty();
        }).then();
        return baseline
                .thenMany(Flux.interval(pollInterval, pollInterval, timer).onBackpressureDrop())
                .concatMap(tick -> poll(log), 1)
                .onErrorResume(e -> {
                    log.at(Level.WARN).log("stopped watching {}: {}", file.path(), e.toString());
                    return Flux.empty();
                });
    }

    /**
     * One look at the file: the credential when its content changed since this instance last saw
     * it. A file that cannot be read leaves the baseline as it was (the next good read decides);
     * one without a credential (invalid, or gone) becomes the baseline, reported once.
     */
    private Mono<Credential> poll(StoreLog log) {
        return Mono.fromCallable(() -> {
            PathLock l = pathLock();
            byte[] content;
            String previous;
            String now;
            synchronized (l.io) {
                content = file.read(log);
                now = hash(content);
                previous = seen.getAndSet(now);
            }
            if (previous == null || previous.equals(now) || content == null) {
                return null;
            }
            Credential changed = CredentialJson.decode(content, file.path());
            lastProblem.set(null);
            log.at(Level.DEBUG).log("{} changed", file.path());
            return changed;
        }).subscribeOn(Schedulers.boundedElastic()).onErrorResume(e -> {
            report(e, log);
            return Mono.empty();
        });
    }

    private void report(Throwable problem, StoreLog log) {
        String message = problem.getMessage() == null ? problem.toString() : problem.getMessage();
        if (!message.equals(lastProblem.getAndSet(message))) {
            log.at(Level.WARN).log("watching for changes: {}; still watching", message);
        }
    }

    private PathLock pathLock() {
        PathLock l = lock;
        if (l == null) {
            try {
                l = PathLock.of(file.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve the folder of credential file " + file.path(), e);
            }
            lock = l;
        }
        return l;
    }

    private Mono<PathLock> pathLockAsync() {
        PathLock l = lock;
        return l != null ? Mono.just(l) : Mono.fromCallable(this::pathLock).subscribeOn(Schedulers.boundedElastic());
    }

    private static String hash(byte @Nullable [] content) {
        if (content == null) {
            return ABSENT;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
