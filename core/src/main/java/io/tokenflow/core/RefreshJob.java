package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One refresh, single flight: a {@link RefreshCycle} (with the short retry at the start of a
 * failure streak) whose one outcome every caller joins ({@link Join}: linear in the number of
 * callers). The engine installs a job under its lock and then {@linkplain #start() subscribes} it
 * itself, so a caller's cancellation never cancels it; {@link #stop()} (the service's disposal) does.
 */
final class RefreshJob {

    /** What a job reports back to the engine, which moves the state. */
    interface Outcome {
        /** The job produced {@code credential}; returns the token its callers get. */
        AccessToken succeeded(RefreshJob job, Credential credential);

        /** The job failed with {@code error}; returns what its callers get. */
        Mono<AccessToken> failed(RefreshJob job, Throwable error);

        /**
         * What a {@code token()} caller gets for {@code cause} (and, for {@code null}, the callers of a
         * job {@linkplain #stop() stopped} by the service's disposal): no token can be had now.
         */
        TokenUnavailableException unavailable(@Nullable TokenEndpointException cause);
    }

    /**
     * What every job of one service shares.
     *
     * @param policy the short retry's, applied to jobs that start a failure streak (built per such
     *     job: an idle service holds no retry spec)
     * @param log the service's log, for the short retry's DEBUG lines
     */
    record Context(RefreshCycle cycle, RetryPolicy policy, ServiceLog log, Outcome outcome, Scheduler clock) {
    }

    /** {@link #firstFailureAt()} of a job that has not failed. */
    static final long NO_FAILURE = -1;

    private final long startGeneration;
    private final int earlierFailures;
    private final Mono<AccessToken> attempts;
    private final Join<AccessToken> shared = new Join<>();
    private final Outcome outcome;
    // Made on first use, under the engine's lock (a benign race otherwise: the same view twice).
    private @Nullable Mono<AccessToken> tokenCallers;
    /** The job's own subscription: {@code null} before {@link #start()}, {@link #STOPPED} after {@link #stop()}. */
    private final AtomicReference<@Nullable Disposable> running = new AtomicReference<>();
    private static final Disposable STOPPED = Disposables.disposed();
    // Written by the job's own sequential chain only.
    private volatile int failedAttempts;
    private volatile long firstFailureAt = NO_FAILURE;

    /**
     * @param shortRetry whether the short retry applies (the job starts a streak); else one attempt
     * @param startGeneration the service's token generation when the job was installed
     * @param earlierFailures failures of the streak before this job
     */
    RefreshJob(Context context, boolean shortRetry, long startGeneration, int earlierFailures) {
        this.startGeneration = startGeneration;
        this.earlierFailures = earlierFailures;
        Mono<Credential> attempt = Mono.defer(() -> context.cycle().run(startGeneration))
                .doOnError(e -> {
                    if (firstFailureAt == NO_FAILURE) {
                        firstFailureAt = context.clock().now(TimeUnit.MILLISECONDS);
                    }
                    failedAttempts++;
                });
        Mono<Credential> attempts = shortRetry
                ? attempt.retryWhen(shortRetry(context.policy(), context.clock(), context.log()))
                : attempt;
        this.outcome = context.outcome();
        this.attempts = attempts
                .map(credential -> context.outcome().succeeded(this, credential))
                .onErrorResume(e -> context.outcome().failed(this, e));
    }

    /**
     * The short retry: {@code Retry.backoff(maxRetries, minBackoff).maxBackoff(..).jitter(..)} on
     * {@code scheduler}, for transient failures only, waiting out a server's {@code Retry-After}
     * (capped by the policy) before each backoff delay.
     *
     * @param log the service's log, for the DEBUG line of each retry
     */
    static Retry shortRetry(RetryPolicy policy, Scheduler scheduler, ServiceLog log) {
        return Retry.backoff(policy.maxRetries(), policy.minBackoff())
                .maxBackoff(policy.maxBackoff())
                .jitter(policy.jitter())
                .scheduler(scheduler)
                .filter(RefreshJob::isTransient)
                .doBeforeRetryAsync(signal -> serverAskedToWait(policy, signal.failure())
                        .map(wait -> Mono.delay(wait, scheduler).then())
                        .orElse(Mono.empty()))
                .doBeforeRetry(signal -> log.retrying(signal.totalRetries() + 1, policy.maxRetries(), signal.failure()))
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
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
            view = shared.onErrorMap(TokenEndpointException.class, outcome::unavailable);
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
        Disposable subscription = attempts.subscribe(token -> shared.complete(token, null), error -> shared.complete(null, error),
                () -> shared.complete(null, null));
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
     * callers get {@link Outcome#unavailable}. Idempotent; before {@link #start()} the job never runs.
     */
    void stop() {
        Disposable subscription = running.getAndSet(STOPPED);
        if (subscription != STOPPED) {
            if (subscription != null) {
                subscription.dispose();
            }
            shared.complete(null, outcome.unavailable(null));
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
}
