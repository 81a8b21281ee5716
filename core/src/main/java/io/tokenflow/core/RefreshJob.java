package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * One refresh, single flight: a {@link RefreshCycle} (with the short retry at the start of a
 * failure streak) whose one outcome every caller joins ({@link Join}: linear in the number of
 * callers). The engine installs a job under its lock and then {@linkplain #start() subscribes} it
 * itself, so a caller's cancellation never cancels it; {@link #stop()} (the service's disposal) does.
 *
 * <p>Each failed attempt that the short retry retries is reported to the engine with the time
 * of the next attempt ({@link Host#retrying}): the short retry runs on a view of the service's
 * scheduler ({@link BackoffClock}) that hears each backoff delay Reactor schedules, jitter
 * included, so the time shown is the one Reactor will keep.
 */
final class RefreshJob {

    /**
     * The service a job runs for (the engine): what every job of it shares, and where it reports
     * back, which moves the state. The engine implements it, so that an idle service holds no
     * object for it.
     */
    interface Host {
        /** The attempt a job makes (and retries). */
        RefreshCycle cycle();

        /** The short retry's policy, for jobs that start a failure streak (a retry spec is built per such job). */
        RetryPolicy policy();

        /** The service's clock and timers. */
        Scheduler clock();

        /** The service's log, for its name in the advice of {@link WaitingToken}. */
        ServiceLog log();

        /** The job produced {@code credential}; returns the token its callers get. */
        AccessToken succeeded(RefreshJob job, Credential credential);

        /** The job failed with {@code error}; returns what its callers get. */
        Mono<AccessToken> failed(RefreshJob job, Throwable error);

        /**
         * An attempt failed with {@code error} and the short retry makes the next one at
         * {@code nextAttemptAt} (epoch ms, the backoff and any {@code Retry-After} included).
         * Called on the thread the failure arrived on, before the retry's delay starts.
         */
        void retrying(RefreshJob job, Throwable error, long nextAttemptAt);

        /**
         * What a {@code token()} caller gets for {@code cause} (and, for {@code null}, the callers of a
         * job {@linkplain #stop() stopped} by the service's disposal): no token can be had now.
         */
        TokenUnavailableException unavailable(@Nullable TokenEndpointException cause);
    }

    /** {@link #firstFailureAt()} of a job that has not failed. */
    static final long NO_FAILURE = -1;
    /** {@link #nextAttemptAt()} when no retry is scheduled. */
    static final long NO_RETRY = -1;

    private static final Disposable STOPPED = Disposables.disposed();

    private final Host host;
    private final long startGeneration;
    private final int earlierFailures;
    private final Mono<AccessToken> attempts;
    private final Join<AccessToken> join = new Join<>();
    /** What callers join: {@link #join} whose {@code block()} advises on a non-blocking thread. */
    private final Mono<AccessToken> shared;
    // Made on first use, under the engine's lock (a benign race otherwise: the same view twice).
    private @Nullable Mono<AccessToken> tokenCallers;
    /** The job's own subscription: {@code null} before {@link #start()}, {@link #STOPPED} after {@link #stop()}. */
    private final AtomicReference<@Nullable Disposable> running = new AtomicReference<>();
    // Written by the job's own sequential chain only.
    private volatile int failedAttempts;
    private volatile long firstFailureAt = NO_FAILURE;
    private volatile @Nullable Throwable lastFailure;
    private volatile long nextAttemptAt = NO_RETRY;

    /**
     * @param shortRetry whether the short retry applies (the job starts a streak); else one attempt
     * @param startGeneration the service's token generation when the job was installed
     * @param earlierFailures failures of the streak before this job
     */
    RefreshJob(Host host, boolean shortRetry, long startGeneration, int earlierFailures) {
        this.host = host;
        this.startGeneration = startGeneration;
        this.earlierFailures = earlierFailures;
        Mono<Credential> attempt = Mono.defer(() -> host.cycle().run(startGeneration))
                .doOnError(e -> {
                    if (firstFailureAt == NO_FAILURE) {
                        firstFailureAt = host.clock().now(TimeUnit.MILLISECONDS);
                    }
                    lastFailure = e;
                    nextAttemptAt = NO_RETRY;
                    failedAttempts++;
                });
        Mono<Credential> attempts = shortRetry
                ? attempt.retryWhen(shortRetry(host.policy(), host.clock())
                        .scheduler(new BackoffClock(host.clock(), this::retryingIn)))
                : attempt;
        this.attempts = attempts
                .map(credential -> host.succeeded(this, credential))
                .onErrorResume(e -> host.failed(this, e));
        this.shared = new WaitingToken(join, host.log());
    }

    /**
     * The short retry: {@code Retry.backoff(maxRetries, minBackoff).maxBackoff(..).jitter(..)}, for
     * transient failures only, waiting out a server's {@code Retry-After} (capped by the policy)
     * after each backoff delay (on {@code scheduler}). Each job runs its backoff delays on its own
     * {@link BackoffClock}.
     */
    static RetryBackoffSpec shortRetry(RetryPolicy policy, Scheduler scheduler) {
        return Retry.backoff(policy.maxRetries(), policy.minBackoff())
                .maxBackoff(policy.maxBackoff())
                .jitter(policy.jitter())
                .scheduler(scheduler)
                .filter(RefreshJob::isTransient)
                .doAfterRetryAsync(signal -> serverAskedToWait(policy, signal.failure())
                        .map(wait -> Mono.delay(wait, scheduler).then())
                        .orElse(Mono.empty()))
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    /** Reactor has scheduled the backoff delay before the next attempt: reports when that attempt is due. */
    private void retryingIn(long backoffMillis) {
        Throwable failure = lastFailure;
        if (failure == null) {
            return;
        }
        long wait = backoffMillis + serverAskedToWait(host.policy(), failure).map(Duration::toMillis).orElse(0L);
        long at = host.clock().now(TimeUnit.MILLISECONDS) + wait;
        nextAttemptAt = at;
        host.retrying(this, failure, at);
    }

    private static Optional<Duration> serverAskedToWait(RetryPolicy policy, Throwable e) {
        return e instanceof TokenEndpointException te ? policy.serverAskedToWait(te.failure()) : Optional.empty();
    }

    /** A failure worth retrying: a transient token-endpoint failure, or a busy credential store. */
    static boolean isTransient(Throwable e) {
        return e instanceof TokenEndpointException te ? te.failure().isTransient() : e instanceof CredentialBusyException;
    }

    /**
     * What {@code token()} callers join: {@link #shared()} with a failure as {@link TokenUnavailableException}.
     * Made once per job, so that a joiner costs its subscription only.
     */
    Mono<AccessToken> forTokenCallers() {
        Mono<AccessToken> view = tokenCallers;
        if (view == null) {
            view = new WaitingToken(join.onErrorMap(TokenEndpointException.class, host::unavailable), host.log());
            tokenCallers = view;
        }
        return view;
    }

    /** What callers join: the job's one outcome, however many subscribe, cancel or come late. */
    Mono<AccessToken> shared() {
        return shared;
    }

    /** Subscribes the job on the service's behalf; called once, outside the engine's lock. */
    void start() {
        if (running.get() == STOPPED) {
            // Stopped before it started: it never runs, not even its first synchronous steps.
            return;
        }
        Disposable subscription = attempts.subscribe(token -> join.complete(token, null), error -> join.complete(null, error),
                () -> join.complete(null, null));
        if (!running.compareAndSet(null, subscription)) {
            // Stopped before it started.
            subscription.dispose();
        }
    }

    /** {@code job}'s {@link #stop()}, when there is a job. */
    static void stop(@Nullable RefreshJob job) {
        if (job != null) {
            job.stop();
        }
    }

    /**
     * The service is disposed: cancels the job's request (and releases the store's lease), and its
     * callers get {@link Host#unavailable}. Idempotent; before {@link #start()} the job never runs.
     */
    void stop() {
        Disposable subscription = running.getAndSet(STOPPED);
        if (subscription != STOPPED) {
            if (subscription != null) {
                subscription.dispose();
            }
            join.complete(null, host.unavailable(null));
        }
    }

    long startGeneration() {
        return startGeneration;
    }

    int earlierFailures() {
        return earlierFailures;
    }

    /** Attempts of this job that failed so far. */
    int failedAttempts() {
        return failedAttempts;
    }

    /** Failures of the streak, this job's included. */
    int failures() {
        return earlierFailures + failedAttempts;
    }

    /** Epoch ms of this job's first failed attempt, or {@link #NO_FAILURE}. */
    long firstFailureAt() {
        return firstFailureAt;
    }

    /** Epoch ms of the retry the short retry has scheduled, or {@link #NO_RETRY}. */
    long nextAttemptAt() {
        return nextAttemptAt;
    }

    /**
     * The service's scheduler as the short retry sees it: the same clock and timers, and each
     * delay scheduled on it (Reactor's jittered backoff) is told to {@code onDelay} first. Never
     * disposes the service's scheduler.
     */
    static final class BackoffClock implements Scheduler {
        private final Scheduler scheduler;
        private final LongConsumer onDelay;

        /** @param onDelay takes each delay in ms, before it is scheduled */
        BackoffClock(Scheduler scheduler, LongConsumer onDelay) {
            this.scheduler = scheduler;
            this.onDelay = onDelay;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return scheduler.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            onDelay.accept(unit.toMillis(delay));
            return scheduler.schedule(task, delay, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return scheduler.now(unit);
        }

        @Override
        public Worker createWorker() {
            return scheduler.createWorker();
        }

        @Override
        public void dispose() {
            // The service's scheduler is not this view's to dispose.
        }

        @Override
        public boolean isDisposed() {
            return scheduler.isDisposed();
        }
    }
}
