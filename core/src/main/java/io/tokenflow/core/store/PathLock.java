package io.tokenflow.core.store;

import io.tokenflow.core.CredentialBusyException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * This JVM's one holder of the cross-process lock on a credential file: a {@code FileChannel}
 * lock on {@code <file>.lock}, shared by every store instance on the same file however it is
 * spelled ({@link #canonical}: symlinks, {@code ..}, folders created later, letter case).
 *
 * <p>Should two holders meet on one file anyway (two class loaders each have their own), the lock
 * still excludes: a lock taken through the other's channel is busy
 * ({@code OverlappingFileLockException} is never an error), and no holder closes its channel
 * while the file is in use, since closing any channel drops every POSIX lock of the process on
 * the file, the other holder's included.
 *
 * <p>In the JVM, would-be holders queue (FIFO, asynchronously: nobody blocks a thread while
 * waiting); the head of the queue polls {@code tryLock()} on {@code boundedElastic} with a short
 * backoff until it gets the lock or its wait is over ({@link CredentialBusyException}).
 *
 * <p>{@link #io} serializes this JVM's reads and writes of the file and the taking and release of
 * the OS lock, so that a write made under a held refresh lease cannot outlive the lease.
 */
final class PathLock {

    private static final ConcurrentMap<Path, PathLock> LOCKS = new ConcurrentHashMap<>();

    private static final long FIRST_STEP_MS = 5;
    private static final long MAX_STEP_MS = 50;

    private static final int QUEUED = 0;
    private static final int LOCKING = 1;
    private static final int DELIVERED = 2;
    private static final int ENDED = 3;

    /** Held (on blocking threads only) around every read or write of the file in this JVM and around taking or dropping the OS lock. */
    final Object io = new Object();

    private final CredentialFile file;
    private final Path lockFile;

    private final Object queueGuard = new Object();
    // Guarded by queueGuard.
    private final ArrayDeque<Acquisition> waiting = new ArrayDeque<>();
    private @Nullable Acquisition owner;

    private volatile boolean warnedReadOnly;

    // Guarded by io.
    private final LockFileChannel os;
    private boolean leaseHeld;

    private PathLock(Path canonicalFile) {
        this.file = new CredentialFile(canonicalFile);
        this.lockFile = file.lockFile();
        this.os = new LockFileChannel(file);
    }

    /** The JVM's lock holder for {@code file}. Blocking (resolves the real path of its folder). */
    static PathLock of(Path file) throws IOException {
        return LOCKS.computeIfAbsent(canonical(file), PathLock::new);
    }

    /**
     * {@code file} as the JVM knows it, so that every spelling of one file shares a holder: the
     * real path (links resolved, real letter case) of its deepest folder that exists, followed by
     * the names that do not exist yet. A folder created later under a symlink resolves like the
     * real one.
     */
    static Path canonical(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (absolute.getParent() == null || absolute.getFileName() == null) {
            throw new IllegalArgumentException("not a file path: " + file);
        }
        Path existing = absolute.getParent();
        Path missing = absolute.getFileName();
        while (true) {
            try {
                return existing.toRealPath().resolve(missing);
            } catch (NoSuchFileException notYetCreated) {
                Path parent = existing.getParent();
                if (parent == null) {
                    return absolute;
                }
                missing = existing.getFileName().resolve(missing);
                existing = parent;
            }
        }
    }

    /**
     * Takes the lock, waiting (without blocking a thread) up to {@code wait} as measured by
     * {@code timer}; fails with {@link CredentialBusyException} after that.
     *
     * @param lease whether this is a refresh lease: while one is held, {@link #runExclusive}
     *     runs at once (the holder saves under its own lease)
     */
    Mono<Held> acquire(boolean lease, Duration wait, Scheduler timer) {
        return Mono.<Held>create(sink -> {
            Acquisition acquisition = new Acquisition(sink, lease, wait, timer, StoreLog.in(sink.contextView()));
            sink.onCancel(acquisition::cancel);
            boolean first;
            synchronized (queueGuard) {
                first = owner == null;
                if (first) {
                    owner = acquisition;
                } else {
                    waiting.add(acquisition);
                }
            }
            if (first) {
                acquisition.startLocking();
            } else {
                acquisition.expireAfter(wait);
            }
        }).doOnDiscard(Held.class, Held::releaseLater);
    }

    /**
     * Runs {@code action} on a blocking thread holding the lock: at once if this JVM holds a
     * refresh lease on the file (the lease holder saving), else after {@link #acquire}.
     */
    Mono<Void> runExclusive(Duration wait, Scheduler timer, Runnable action) {
        Mono<Boolean> underLease = Mono.fromCallable(() -> {
            synchronized (io) {
                if (leaseHeld) {
                    action.run();
                    return true;
                }
                return false;
            }
        });
        Mono<Void> locked = Mono.usingWhen(acquire(false, wait, timer),
                held -> Mono.fromRunnable(() -> {
                    synchronized (io) {
                        action.run();
                    }
                }).subscribeOn(Schedulers.boundedElastic()),
                Held::release,
                (held, error) -> held.release(),
                Held::release).then();
        return underLease.subscribeOn(Schedulers.boundedElastic())
                .flatMap(done -> done ? Mono.<Void>empty() : locked);
    }

    /**
     * One try for the OS lock (see {@link LockFileChannel#tryLock}: a lock held through another
     * holder's channel in this JVM is busy, like a lock held by another process).
     */
    private boolean tryLockFile(boolean lease, StoreLog log) throws IOException {
        synchronized (io) {
            if (!os.tryLock(log)) {
                return false;
            }
            leaseHeld = lease;
            return true;
        }
    }

    /** Drops the OS lock, if held; the channel stays open. The caller holds {@link #io}. */
    private void unlockFile(StoreLog log) {
        leaseHeld = false;
        os.unlock(log);
    }

    /** The store cannot be locked because this process may not write next to it: reported once at WARN. */
    private CredentialBusyException readOnly(String why, StoreLog log) {
        CredentialBusyException busy = CredentialBusyException.readOnly(file.path(), why);
        if (!warnedReadOnly) {
            warnedReadOnly = true;
            log.at(Level.WARN).log("{}", busy.getMessage());
        }
        return busy;
    }

    /** The owner is done: the next live waiter in the JVM, if any, starts taking the OS lock. */
    private void handOff() {
        Acquisition next;
        synchronized (queueGuard) {
            next = waiting.poll();
            owner = next;
        }
        if (next != null) {
            next.startLocking();
        }
    }

    /** One would-be holder: queued in the JVM, then polling the OS lock, then delivered (or ended). */
    private final class Acquisition {
        private final MonoSink<Held> sink;
        private final boolean lease;
        private final Duration wait;
        private final Scheduler timer;
        private final long deadline;
        /** The lines of whoever waits: their key-values from the subscriber's context. */
        private final StoreLog log;
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private volatile Disposable expiry = Disposables.disposed();
        private volatile @Nullable Held held;

        Acquisition(MonoSink<Held> sink, boolean lease, Duration wait, Scheduler timer, StoreLog log) {
            this.sink = sink;
            this.lease = lease;
            this.wait = wait;
            this.timer = timer;
            this.log = log;
            this.deadline = timer.now(TimeUnit.MILLISECONDS) + wait.toMillis();
        }

        /** Called on becoming the JVM's owner. */
        void startLocking() {
            if (state.compareAndSet(QUEUED, LOCKING)) {
                attempt(FIRST_STEP_MS);
            } else {
                handOff();
            }
        }

        void expireAfter(Duration wait) {
            try {
                expiry = timer.schedule(this::expire, wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                if (state.compareAndSet(QUEUED, ENDED)) {
                    remove();
                    sink.error(e);
                }
            }
        }

        private void attempt(long step) {
            try {
                Schedulers.boundedElastic().schedule(() -> tryOnce(step));
            } catch (RejectedExecutionException e) {
                end(e);
            }
        }

        private void tryOnce(long step) {
            if (state.get() != LOCKING) {
                abandon();
                return;
            }
            boolean locked;
            try {
                locked = tryLockFile(lease, log);
            } catch (IOException e) {
                String readOnly = file.whyReadOnly(e);
                end(readOnly == null ? CredentialFileException.lockUnusable(lockFile, e) : readOnly(readOnly, log));
                return;
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            if (locked) {
                Held lock = new Held(log);
                held = lock;
                if (state.compareAndSet(LOCKING, DELIVERED)) {
                    sink.success(lock);
                } else {
                    lock.releaseNow();
                }
                return;
            }
            if (timer.now(TimeUnit.MILLISECONDS) >= deadline) {
                end(CredentialBusyException.lockNotAcquired(lockFile, wait));
                return;
            }
            try {
                timer.schedule(() -> attempt(Math.min(step * 2, MAX_STEP_MS)), step, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                end(e);
            }
        }

        /** Gives up as owner with {@code error}. */
        private void end(Throwable error) {
            if (state.compareAndSet(LOCKING, ENDED)) {
                sink.error(error);
            }
            abandon();
        }

        /** Leaves ownership without the OS lock (closing the lock file: on a blocking thread). */
        private void abandon() {
            if (Schedulers.isInNonBlockingThread()) {
                Schedulers.boundedElastic().schedule(this::abandon);
                return;
            }
            synchronized (io) {
                unlockFile(log);
            }
            handOff();
        }

        private void expire() {
            if (state.compareAndSet(QUEUED, ENDED)) {
                remove();
                sink.error(CredentialBusyException.lockNotAcquired(lockFile, wait));
            }
            // When LOCKING, the polling owner checks the deadline itself.
        }

        private void cancel() {
            expiry.dispose();
            if (state.compareAndSet(QUEUED, ENDED)) {
                remove();
            } else if (!state.compareAndSet(LOCKING, ENDED)) {
                // Delivered, but cancelled before the sink passed it on: the sink drops it, so release it here.
                Held lock = held;
                if (lock != null) {
                    lock.releaseLater();
                }
            }
            // A LOCKING owner sees ENDED at its next attempt and hands off.
        }

        private void remove() {
            synchronized (queueGuard) {
                waiting.remove(this);
            }
        }
    }

    /** The held lock; releasing it is idempotent. */
    final class Held implements CredentialStore.RefreshLease {
        private final AtomicBoolean released = new AtomicBoolean();
        private final StoreLog log;

        Held(StoreLog log) {
            this.log = log;
        }

        @Override
        public Mono<Void> release() {
            return Mono.<Void>fromRunnable(this::releaseNow).subscribeOn(Schedulers.boundedElastic());
        }

        void releaseNow() {
            if (released.compareAndSet(false, true)) {
                synchronized (io) {
                    unlockFile(log);
                }
                handOff();
            }
        }

        void releaseLater() {
            if (!released.get()) {
                Schedulers.boundedElastic().schedule(this::releaseNow);
            }
        }
    }
}
