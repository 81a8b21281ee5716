package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The state machine of one {@link TokenService}: every write of its {@link ServiceState} happens
 * here, under one lock ({@link EngineLock}, which this class extends), checked against
 * {@link Transitions} and published by the {@link StateFeed} after the timers it needs are in
 * place. The lock is the honest choice because a move has side effects (timers, the feed, a job
 * to start); the hot path reads {@link #current()} without it.
 */
final class Engine extends EngineLock implements RefreshJob.Host, Timers.Due {

    private final ServiceLog log;
    private final TokenEndpoint endpoint;
    private final CredentialStore store;
    private final boolean storeShared; // given, so others may write it; the default store is this service's alone
    private final RetryPolicy policy;
    private final Duration startupTimeout;
    private final RefreshCycle cycle;
    private final Timers timers;
    private final StateFeed feed;
    private @Nullable Disposable storeWatch;

    Engine(EngineSettings settings, TokenEndpoint endpoint) {
        super(settings.scheduler(), settings.lifetimes());
        this.endpoint = endpoint;
        this.store = settings.effectiveStore();
        this.storeShared = settings.store() != null;
        this.log = new ServiceLog(endpoint.clientId(), endpoint.endpoint(), store.describe());
        this.policy = settings.effectivePolicy();
        this.startupTimeout = settings.startupTimeout();
        this.feed = new StateFeed(scheduler, state.state());
        this.cycle = new RefreshCycle(store, endpoint, this, settings.seed(), log, feed, scheduler);
        this.timers = new Timers(scheduler, this);
    }

    /** Watches a given store and starts the first fetch. */
    void start() {
        if (storeShared) {
            storeWatch = store.changes().contextWrite(log::onStoreCalls).subscribe(this::externalCredential, log::stoppedWatching);
        }
        write(() -> install(true));
    }

    StateFeed feed() {
        return feed;
    }

    Flux<TokenEvent> events() {
        return feed.events();
    }

    String name() {
        return log.name();
    }

    // ---------------------------------------------------------------- the calls of TokenService

    /**
     * {@link TokenService#token()} when the hot path has no token to hand out. In {@code STARTING}
     * a caller waits until {@code startupTimeout} after the start, then gets the state as it is.
     */
    Mono<AccessToken> slowToken() {
        return write(() -> {
            expireIfDue();
            ServiceState s = state;
            if (s.status() == Status.STOPPED || s.status() == Status.AUTH_RETRYING || s.status() == Status.UNAUTHENTICATED) {
                return Mono.error(unavailable(s, null));
            }
            Mono<AccessToken> held = s.servable(nowMillis());
            if (held != null) {
                return held;
            }
            long startupLeft = s.state().since().toEpochMilli() + startupTimeout.toMillis() - nowMillis();
            if (s.status() == Status.STARTING && startupLeft <= 0) {
                return Mono.error(unavailable(s, null));
            }
            Mono<AccessToken> joined = (s.job() != null ? s.job() : install(s.status() != Status.DEGRADED)).forTokenCallers();
            return s.status() != Status.STARTING ? joined : new WaitingToken(joined.timeout(Duration.ofMillis(startupLeft),
                    Mono.defer(() -> Mono.error(unavailable(state, null))), scheduler), log);
        });
    }

    Mono<AccessToken> refresh() {
        return write(() -> {
            ServiceState s = state;
            if (s.status() == Status.STOPPED) {
                return Mono.error(unavailable(s, null));
            }
            return joinOrInstall(s.status() == Status.STARTING || s.status() == Status.RUNNING);
        });
    }

    /**
     * See {@link TokenService#tokenRejected}: one refresh per token generation, however often its
     * token is rejected, and none for a rejection within a pause ({@link Rejections}).
     */
    Mono<AccessToken> tokenRejected(AccessToken rejected) {
        Mono<AccessToken> refreshing = write(() -> {
            ServiceState s = state;
            AccessToken held = s.token();
            if (held == null || !held.equals(rejected) || !s.status().servesTokens() && s.status() != Status.STARTING) {
                // A newer token is held, or none can be had now (fail fast, keep the retry cadence).
                return null;
            }
            if (s.rejected()) {
                return s.job() != null ? s.job().shared() : null;
            }
            long now = nowMillis();
            Mono<AccessToken> stillServed = s.servable(now);
            if (stillServed != null && s.rejections().paused(now)) {
                if (!s.rejections().warned()) {
                    log.rejectionsPaused(s.rejections().streak(), Instant.ofEpochMilli(s.rejections().pausedUntil()));
                }
                state = s.withPausedRejection(now);
                // No newer token: the caller keeps the answer it got.
                return stillServed;
            }
            log.rejected();
            state = s.rejectedNow(now);
            return joinOrInstall(s.status() == Status.RUNNING);
        });
        return refreshing == null ? token() : refreshing.onErrorMap(TokenEndpointException.class, e -> unavailable(state, e));
    }

    /** Cancels every timer and the job in flight; {@code STOPPED}; idempotent. */
    void dispose() {
        boolean stopping = write(() -> {
            ServiceState s = state;
            if (s.status() == Status.STOPPED) {
                return false;
            }
            timers.cancelAll();
            moveTo(s, s.stopped(now()), true);
            RefreshJob.stop(s.job());
            feed.complete();
            return true;
        });
        if (stopping) {
            if (storeWatch != null) {
                storeWatch.dispose();
            }
            endpoint.dispose();
        }
    }

    // ---------------------------------------------------------------- the jobs' host (RefreshJob.Host)

    @Override
    public RefreshCycle cycle() {
        return cycle;
    }

    @Override
    public RetryPolicy policy() {
        return policy;
    }

    @Override
    public Scheduler clock() {
        return scheduler;
    }

    @Override
    public ServiceLog log() {
        return log;
    }

    @Override
    public TokenUnavailableException unavailable(@Nullable TokenEndpointException cause) {
        return unavailable(state, cause);
    }

    @Override
    public AccessToken succeeded(RefreshJob job, Credential credential) {
        AccessToken token = credential.accessToken()
                .orElseThrow(() -> new IllegalStateException("a refresh produced no access token"));
        return write(() -> {
            ServiceState s = state;
            if (s.status() != Status.STOPPED) {
                adopt(s, credential, token, job);
            }
            return token;
        });
    }

    /** Moves the state for a failed job; its callers get the error, or the newer token adopted meanwhile. */
    @Override
    public Mono<AccessToken> failed(RefreshJob job, Throwable error) {
        TokenEndpointException failure = cycle.asEndpointFailure(error);
        return write(() -> {
            ServiceState s = state;
            if (s.status() == Status.STOPPED || s.job() != job) {
                return Mono.<AccessToken>error(failure);
            }
            if (s.generation() != job.startGeneration() && s.hot() != null) {
                // A newer token arrived meanwhile (adopted from the store): this failure is moot.
                state = s.withoutJob();
                return s.hot();
            }
            long now = nowMillis();
            TokenFailure f = failure.failure();
            int failures = Math.max(job.earlierFailures() + 1, job.failures());
            long streakStart = s.inStreak() ? s.streakStart()
                    : job.firstFailureAt() != RefreshJob.NO_FAILURE ? job.firstFailureAt() : now;
            Transitions.Next next = Transitions.afterFailure(s.status(), f, s.servable(now) != null, now, streakStart, policy);
            boolean moveTold = log.failed(s.status(), next, f, !s.inStreak(), failures, Duration.ofMillis(now - streakStart),
                    policy.ceiling(), now);
            timers.cancelAttempt();
            if (next.to() == Status.UNAUTHENTICATED) {
                timers.cancelExpiry();
            }
            if (next.hasAttempt()) {
                timers.attemptIn(next.attemptAt() - now);
            }
            moveTo(s, s.failed(next, failure, failures, streakStart, Instant.ofEpochMilli(now)), !moveTold);
            return Mono.<AccessToken>error(failure);
        });
    }

    /**
     * Shows the failure at once, and logs the streak's first one (WARN with its hint), or a
     * later one at DEBUG; the short retry goes on. Ignored when the job is moot (stopped, or a
     * newer token is held).
     */
    @Override
    public void retrying(RefreshJob job, Throwable error, long nextAttemptAt) {
        TokenEndpointException failure = cycle.asEndpointFailure(error);
        write(() -> {
            ServiceState s = state;
            if (s.status() == Status.STOPPED || s.job() != job || s.generation() != job.startGeneration()) {
                return null;
            }
            log.retrying(!s.inStreak(), job.failedAttempts(), policy.maxRetries(), failure.failure(),
                    Duration.ofMillis(Math.max(0, nextAttemptAt - nowMillis())));
            state = s.retrying(failure, job.failures(), s.inStreak() ? s.streakStart() : job.firstFailureAt(), nextAttemptAt);
            return null;
        });
    }

    // ---------------------------------------------------------------- moves (under the lock)

    /** Makes {@code credential} the held one: RUNNING, the next generation, timers re-planned. */
    private void adopt(ServiceState s, Credential credential, AccessToken token, @Nullable RefreshJob finished) {
        Instant now = now();
        Lifetimes.Plan plan = lifetimes.plan(token, now);
        timers.replan(plan, now.toEpochMilli(), s.generation() + 1);
        // Published last, so that an observer reacting to the new state finds its timers in place.
        moveTo(s, s.adopted(credential, token, plan, now, s.job() == finished ? null : s.job()), true);
        feed.adopted(token);
    }

    /** A held token whose time is up leaves the hot path (the caller then starts or joins a refresh). */
    private void expireIfDue() {
        ServiceState s = state;
        if (s.hot() != null && nowMillis() >= s.validUntil()) {
            expireNow(s);
        }
    }

    /**
     * Takes an expired token off the hot path. While refreshing fails (DEGRADED, or the refresh in
     * flight has failed already) that is AUTH_RETRYING; otherwise the status stays and callers join
     * the refresh.
     */
    private void expireNow(ServiceState s) {
        RefreshJob job = s.job();
        if (s.status() != Status.DEGRADED && (job == null || job.failedAttempts() == 0)) {
            state = s.withoutToken();
            return;
        }
        long streakStart = s.inStreak() || job == null ? s.streakStart() : job.firstFailureAt();
        int failures = job == null ? s.state().consecutiveFailures() : job.failures();
        log.expiredWhileFailing();
        moveTo(s, s.expired(now(), failures, streakStart, job == null ? RefreshJob.NO_RETRY : job.nextAttemptAt()), true);
    }

    /**
     * Installs {@code next}, checking the move against the transition table; publishes a status change.
     *
     * @param logMove whether to log the move at INFO (false: a failure line has told it already)
     */
    private void moveTo(ServiceState current, ServiceState next, boolean logMove) {
        Status from = current.status();
        Status to = next.status();
        Transitions.check(from, to);
        state = next;
        if (from != to) {
            if (logMove) {
                log.moved(from, to, next.state());
            }
            feed.publish(from, next.state());
        }
    }

    // ---------------------------------------------------------------- timers (Timers.Due) and the store

    @Override
    public void expiryDue(long generation) {
        write(() -> {
            ServiceState s = state;
            if (s.generation() != generation || s.hot() == null || s.status() == Status.STOPPED) {
                return null;
            }
            long now = nowMillis();
            if (now < s.validUntil()) {
                timers.expiryIn(s.validUntil() - now, generation);
                return null;
            }
            expireNow(s);
            if (state.status() == Status.RUNNING && state.job() == null) {
                install(true);
            }
            return null;
        });
    }

    @Override
    public void refreshDue(long generation) {
        write(() -> {
            ServiceState s = state;
            if (s.generation() == generation && s.job() == null && s.status() == Status.RUNNING) {
                log.refreshingAhead();
                install(true);
            }
            return null;
        });
    }

    @Override
    public void attemptDue() {
        write(() -> {
            ServiceState s = state;
            if (s.job() == null && (s.status() == Status.DEGRADED || s.status() == Status.AUTH_RETRYING)) {
                install(false);
            }
            return null;
        });
    }

    /** A credential someone else wrote to the store (another process, an operator). */
    private void externalCredential(Credential credential) {
        write(() -> {
            ServiceState s = state;
            if (s.status() == Status.STOPPED || credential.sameTokens(s.credential()) || cycle.savedByThisService(credential)) {
                return null;
            }
            if (adoptable(credential)) {
                log.adoptingExternal();
                adopt(s, credential, credential.accessToken().orElseThrow(), null);
            } else if (credential.refreshToken().isPresent() && s.status() == Status.UNAUTHENTICATED && s.job() == null) {
                log.tryingNewRefreshToken();
                state = s.withCredential(credential);
                install(false);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- jobs and helpers

    /** The job in flight, or a new one (installed, and started when the write ends). Under the lock. */
    private Mono<AccessToken> joinOrInstall(boolean shortRetry) {
        RefreshJob job = state.job();
        return job != null ? job.shared() : install(shortRetry).shared();
    }

    /** Installs a new job as the one in flight. Under the lock, with no job in flight. */
    private RefreshJob install(boolean shortRetry) {
        ServiceState s = state;
        RefreshJob job = new RefreshJob(this, shortRetry, s.generation(), s.state().consecutiveFailures());
        state = s.withJob(job);
        startAfterwards(job);
        return job;
    }

    private Mono<AccessToken> token() {
        Mono<AccessToken> held = state.servable(nowMillis());
        return held != null ? held : slowToken();
    }

    private TokenUnavailableException unavailable(ServiceState s, @Nullable TokenEndpointException cause) {
        return s.unavailable(now(), endpoint.endpoint(), endpoint.clientId(), cause);
    }
}
