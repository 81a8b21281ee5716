package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import java.net.URI;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * Hands out a fresh OAuth 2.0 access token.
 *
 * <pre>{@code
 * TokenService tokens = TokenService.builder()
 *     .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
 *     .clientCredentials("client-id", "client-secret")
 *     .scopes("api.read")
 *     .build();
 * tokens.token().map(AccessToken::authorizationHeader)...
 * }</pre>
 *
 * <p><b>Hot path.</b> While a valid token is held, {@link #token()} returns one pre-built
 * {@code Mono} per token generation: no I/O, no lock, no allocation.
 *
 * <p><b>Single flight.</b> A refresh is one shared cached {@code Mono}, installed once and
 * subscribed by the service itself: any number of concurrent callers cause one token request,
 * and a caller's cancellation never cancels it.
 *
 * <p><b>Proactive refresh.</b> The service refreshes {@code refreshAhead} before expiry and
 * keeps serving the current token meanwhile. Failures are classified by the
 * {@link ErrorClassifier}, retried per the {@link RetryPolicy}, and published as
 * {@link WorkloadState}s.
 *
 * <p>The service starts its first fetch when built. Thread-safe. Time comes from the builder's
 * {@link Scheduler}.
 */
public final class TokenService implements Disposable {

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    private final TokenEndpoint endpoint;
    private final CredentialStore store;
    private final @Nullable Credential seed;
    private final Scheduler scheduler;
    private final RetryPolicy policy;
    private final @Nullable Duration refreshAhead;
    private final double refreshJitter;
    private final @Nullable Duration expiryMargin;
    private final @Nullable Duration defaultLifetime;

    private final Object mutex = new Object();
    private volatile Snapshot snapshot;
    // Guarded by mutex.
    private Disposable attemptTimer = Disposables.disposed();
    private Disposable expiryTimer = Disposables.disposed();

    private final Sinks.Many<WorkloadState> stateSink = Sinks.many().replay().latest();
    private final Flux<WorkloadState> states;
    private final Sinks.Empty<Void> stopped = Sinks.empty();
    private final Disposable storeWatch;
    /** The credential this service last wrote, so that the store reporting it back is not taken for someone else's. */
    private volatile @Nullable Credential lastSaved;

    private TokenService(Builder b, TokenEndpoint endpoint) {
        this.endpoint = endpoint;
        this.store = b.store == null ? InMemoryCredentialStore.empty() : b.store;
        this.seed = b.seed;
        this.scheduler = b.scheduler;
        this.policy = b.retryPolicy == null ? RetryPolicy.defaults() : b.retryPolicy;
        this.refreshAhead = b.refreshAhead;
        this.refreshJitter = b.refreshJitter;
        this.expiryMargin = b.expiryMargin;
        this.defaultLifetime = b.defaultLifetime;
        // Each subscriber gets the latest state and then every transition, delivered on its own
        // worker so that it never blocks the service. One that does not keep up is handed the
        // latest state only: the first onBackpressureLatest keeps the sink from buffering while the
        // worker is busy, the last one keeps publishOn's prefetched element from going stale.
        this.states = stateSink.asFlux().onBackpressureLatest().publishOn(scheduler, 1).onBackpressureLatest();
        WorkloadState starting = new WorkloadState(Status.STARTING, now(), Optional.empty(), Optional.empty(),
                Optional.empty(), 0);
        this.snapshot = Snapshot.starting(starting);
        stateSink.tryEmitNext(starting);
        this.storeWatch = store.changes()
                .takeUntilOther(stopped.asMono())
                .subscribe(this::externalCredential, e -> log.warn("{}: stopped watching {}: {}", this, store.describe(), e.toString()));
        Job first;
        synchronized (mutex) {
            first = startJob(true);
        }
        first.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- public API

    /**
     * The current access token.
     *
     * <ul>
     *   <li>{@code RUNNING}, {@code DEGRADED}: the held token, at once (the same {@code Mono}
     *       instance for every call until the token changes).</li>
     *   <li>{@code STARTING}, or the held token just expired: joins the one refresh in flight
     *       (short retry included; bound the wait with {@code token().timeout(..)}).</li>
     *   <li>{@code AUTH_RETRYING}, {@code UNAUTHENTICATED}, {@code STOPPED}: fails at once with
     *       {@link TokenUnavailableException}, without a request.</li>
     * </ul>
     * Errors: only {@link TokenUnavailableException}, whose cause is the last
     * {@link TokenEndpointException} when there was one.
     */
    public Mono<AccessToken> token() {
        Snapshot s = snapshot;
        Mono<AccessToken> hot = s.hot;
        if (hot != null && scheduler.now(TimeUnit.MILLISECONDS) < s.validUntil) {
            return hot;
        }
        return slowToken();
    }

    /**
     * Forces a refresh, or joins the one in flight (single flight). The way out of
     * {@code UNAUTHENTICATED} by hand. Errors with the {@link TokenEndpointException} of the
     * attempt, or {@link TokenUnavailableException} once stopped.
     */
    public Mono<AccessToken> refresh() {
        Job job;
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.status() == Status.STOPPED) {
                return Mono.error(unavailable(s, null));
            }
            if (s.job != null) {
                return s.job.shared;
            }
            job = startJob(s.status() == Status.STARTING || s.status() == Status.RUNNING);
        }
        job.start();
        return job.shared;
    }

    /**
     * A resource server answered 401 to {@code rejected}. If a newer token is held already, it is
     * returned. Else the store is reloaded (another process may hold a newer token) and, failing
     * that, the token is refreshed. Concurrent rejections of one token cause one refresh; a token
     * generation triggers at most one refresh, so a server rejecting every token cannot drive a
     * refresh loop. Errors as {@link #token()}.
     */
    public Mono<AccessToken> tokenRejected(AccessToken rejected) {
        Objects.requireNonNull(rejected, "rejected");
        Job started = null;
        Mono<AccessToken> result;
        synchronized (mutex) {
            Snapshot s = snapshot;
            AccessToken held = s.token();
            if (held == null || !held.equals(rejected) || !s.status().servesTokens() && s.status() != Status.STARTING) {
                // A newer token is held, or none can be had now (fail fast, keep the retry cadence).
                return token();
            }
            if (s.rejected) {
                result = s.job != null ? s.job.shared : null;
            } else {
                log.info("{}: a resource server rejected the current token; reloading the credential and refreshing", this);
                snapshot = s.markRejected();
                if (s.job != null) {
                    result = s.job.shared;
                } else {
                    started = startJob(s.status() == Status.RUNNING);
                    result = started.shared;
                }
            }
        }
        if (started != null) {
            started.start();
        }
        return result == null ? token() : result.onErrorMap(TokenEndpointException.class, e -> unavailable(snapshot, e));
    }

    /**
     * The service's states: hot, replays the latest to a new subscriber, then one element per
     * status change, in order. Completes after {@code STOPPED}. A subscriber that does not keep up
     * gets the latest state only; none can block the service or make it buffer.
     */
    public Flux<WorkloadState> states() {
        return states;
    }

    /** The current state, without subscribing; its details (failures, next attempt) are always current. */
    public WorkloadState state() {
        return snapshot.state;
    }

    /** Cancels every timer and in-flight request; the state becomes {@code STOPPED}; idempotent. */
    @Override
    public void dispose() {
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.status() == Status.STOPPED) {
                return;
            }
            attemptTimer.dispose();
            expiryTimer.dispose();
            Instant now = now();
            WorkloadState stoppedState = new WorkloadState(Status.STOPPED, now, Optional.empty(), s.state.lastFailure(),
                    Optional.empty(), s.state.consecutiveFailures());
            moveTo(s, new Snapshot(stoppedState, s.credential, null, Long.MIN_VALUE, s.generation, null, false, -1, s.lastError));
            stopped.tryEmitEmpty();
            stateSink.tryEmitComplete();
        }
        storeWatch.dispose();
        endpoint.dispose();
    }

    @Override
    public boolean isDisposed() {
        return snapshot.status() == Status.STOPPED;
    }

    @Override
    public String toString() {
        return "TokenService[" + endpoint.clientId() + " @ " + endpoint.endpoint() + "]";
    }

    // ---------------------------------------------------------------- callers

    private Mono<AccessToken> slowToken() {
        Job started = null;
        Mono<AccessToken> join;
        synchronized (mutex) {
            expireIfDue();
            Snapshot s = snapshot;
            switch (s.status()) {
                case STOPPED, AUTH_RETRYING, UNAUTHENTICATED:
                    return Mono.error(unavailable(s, null));
                default:
                    break;
            }
            if (s.hot != null && now().toEpochMilli() < s.validUntil) {
                return s.hot;
            }
            if (s.job != null) {
                join = s.job.shared;
            } else {
                started = startJob(s.status() != Status.DEGRADED);
                join = started.shared;
            }
        }
        if (started != null) {
            started.start();
        }
        return join.onErrorMap(TokenEndpointException.class, e -> unavailable(snapshot, e));
    }

    private TokenUnavailableException unavailable(Snapshot s, @Nullable TokenEndpointException cause) {
        Duration retryAfter = s.state.nextAttemptAt()
                .map(at -> Duration.between(now(), at))
                .map(d -> d.isNegative() ? Duration.ZERO : d)
                .orElse(null);
        return TokenUnavailableException.of(s.state, retryAfter, endpoint.endpoint(), endpoint.clientId(),
                cause != null ? cause : s.lastError);
    }

    // ---------------------------------------------------------------- refresh jobs

    /** Installs a new refresh job as the one in flight. Caller holds the mutex, then calls {@link Job#start()} outside it. */
    private Job startJob(boolean shortRetry) {
        Snapshot s = snapshot;
        Job job = new Job(shortRetry, s.generation, s.state.consecutiveFailures());
        snapshot = s.withJob(job);
        return job;
    }

    /** One refresh, single flight: lease, reload, fetch (with the short retry at the start of a streak), save. */
    private final class Job {
        final long startGeneration;
        /** Failures of the streak before this job. */
        final int earlierFailures;
        final Mono<AccessToken> shared;
        // Written by the job's own sequential chain only.
        volatile int failedAttempts;
        volatile long firstFailureAt = -1;

        Job(boolean shortRetry, long startGeneration, int earlierFailures) {
            this.startGeneration = startGeneration;
            this.earlierFailures = earlierFailures;
            Mono<Credential> attempt = Mono.defer(() -> refreshCycle(this))
                    .doOnError(e -> {
                        if (firstFailureAt < 0) {
                            firstFailureAt = now().toEpochMilli();
                        }
                        failedAttempts++;
                    });
            Mono<Credential> attempts = shortRetry ? attempt.retryWhen(shortRetry()) : attempt;
            this.shared = attempts
                    .takeUntilOther(stopped.asMono())
                    .map(credential -> succeeded(this, credential))
                    .onErrorResume(e -> failed(this, e))
                    .switchIfEmpty(Mono.error(() -> unavailable(snapshot, null)))
                    .cache();
        }

        int failures() {
            return earlierFailures + failedAttempts;
        }

        void start() {
            shared.subscribe(token -> { }, error -> { });
        }
    }

    private Retry shortRetry() {
        return Retry.backoff(policy.maxRetries(), policy.minBackoff())
                .maxBackoff(policy.maxBackoff())
                .jitter(policy.jitter())
                .scheduler(scheduler)
                .filter(TokenService::isTransient)
                .doBeforeRetryAsync(signal -> serverAskedToWait(signal.failure())
                        .map(wait -> Mono.delay(wait, scheduler).then())
                        .orElse(Mono.empty()))
                .doBeforeRetry(signal -> log.debug("{}: token request failed, retry {} of {}: {}", this,
                        signal.totalRetries() + 1, policy.maxRetries(), signal.failure().getMessage()))
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    private static boolean isTransient(Throwable e) {
        return e instanceof TokenEndpointException te ? te.failure().isTransient() : e instanceof CredentialBusyException;
    }

    /** The server's Retry-After, capped at the long cadence: a server can slow us down, not stop us. */
    private Optional<Duration> serverAskedToWait(Throwable e) {
        return e instanceof TokenEndpointException te ? serverAskedToWait(te.failure()) : Optional.empty();
    }

    private Optional<Duration> serverAskedToWait(TokenFailure f) {
        return f.retryAfter()
                .filter(d -> !d.isZero() && !d.isNegative())
                .map(d -> d.compareTo(policy.authRetryingInterval()) > 0 ? policy.authRetryingInterval() : d);
    }

    /**
     * One attempt under the store's refresh lease: reload first (another holder may have refreshed
     * already, and its rotated refresh token must not be replayed), then fetch and save.
     */
    private Mono<Credential> refreshCycle(Job job) {
        return Mono.usingWhen(store.acquireRefreshLease(),
                lease -> store.load()
                        .flatMap(stored -> adoptable(stored) ? Mono.just(stored)
                                : Mono.justOrEmpty(adoptedSince(job)).switchIfEmpty(Mono.defer(() -> fetchAndSave(stored))))
                        .switchIfEmpty(Mono.defer(() -> fetchAndSave(heldOrSeed()))),
                CredentialStore.RefreshLease::release,
                (lease, error) -> lease.release(),
                CredentialStore.RefreshLease::release);
    }

    /**
     * A credential from the store (another holder's refresh) was adopted after {@code job} started
     * and is still valid: the job's work is done, a request would only waste a rotation.
     */
    private @Nullable Credential adoptedSince(Job job) {
        Snapshot s = snapshot;
        boolean done = s.generation != job.startGeneration && s.hot != null && now().toEpochMilli() < s.validUntil;
        return done ? s.credential : null;
    }

    private Mono<Credential> fetchAndSave(@Nullable Credential base) {
        return endpoint.fetch(base)
                .onErrorResume(TokenService::isInvalidGrant, invalidGrant -> reloadAfterInvalidGrant(base, invalidGrant))
                .flatMap(this::save);
    }

    /**
     * Before an {@code invalid_grant} is final: another process may have rotated the refresh
     * token meanwhile. Adopt what it stored, or renew that once.
     */
    private Mono<Credential> reloadAfterInvalidGrant(@Nullable Credential sent, Throwable invalidGrant) {
        return store.load()
                .filter(stored -> !stored.sameTokens(sent))
                .flatMap(stored -> adoptable(stored) ? Mono.just(stored) : endpoint.fetch(stored))
                .switchIfEmpty(Mono.error(invalidGrant));
    }

    private Mono<Credential> save(Credential fresh) {
        lastSaved = fresh;
        return store.save(fresh)
                .thenReturn(fresh)
                .onErrorResume(e -> {
                    log.warn("{}: the new token is used but could not be saved to {}: {}", this, store.describe(), e.toString());
                    return Mono.just(fresh);
                });
    }

    private static boolean isInvalidGrant(Throwable e) {
        return e instanceof TokenEndpointException te && te.failure().oauthError().filter("invalid_grant"::equals).isPresent();
    }

    private @Nullable Credential heldOrSeed() {
        Credential held = snapshot.credential;
        return held != null ? held : seed;
    }

    /** A stored credential worth adopting instead of a request: a token other than the held one, still valid. */
    private boolean adoptable(Credential stored) {
        Snapshot s = snapshot;
        if (stored.accessToken().isEmpty() || stored.sameTokens(s.credential)) {
            return false;
        }
        AccessToken token = stored.accessToken().get();
        if (s.token() != null && s.token().equals(token)) {
            return false;
        }
        Instant now = now();
        return now.toEpochMilli() < validUntil(token, now);
    }

    // ---------------------------------------------------------------- transitions (all under the mutex)

    private AccessToken succeeded(Job job, Credential credential) {
        synchronized (mutex) {
            Snapshot s = snapshot;
            AccessToken token = credential.accessToken()
                    .orElseThrow(() -> new IllegalStateException("a refresh produced no access token"));
            if (s.status() == Status.STOPPED) {
                return token;
            }
            adopt(s, credential, token, job);
            return token;
        }
    }

    /** Makes {@code credential} the held one: RUNNING, new generation, timers re-planned. */
    private void adopt(Snapshot s, Credential credential, AccessToken token, @Nullable Job finished) {
        Instant now = now();
        Plan plan = plan(token, now);
        attemptTimer.dispose();
        expiryTimer.dispose();
        long generation = s.generation + 1;
        WorkloadState running = new WorkloadState(Status.RUNNING,
                s.status() == Status.RUNNING ? s.state.since() : now,
                token.expiresAt().or(() -> Optional.ofNullable(plan.expiresAt)),
                Optional.empty(), Optional.empty(), 0);
        Job stillRunning = s.job == finished ? null : s.job;
        if (plan.refreshAt != Long.MAX_VALUE) {
            attemptTimer = schedule(() -> proactiveRefresh(generation), plan.refreshAt - now.toEpochMilli());
        }
        if (plan.validUntil != Long.MAX_VALUE) {
            expiryTimer = schedule(() -> expired(generation), plan.validUntil - now.toEpochMilli());
        }
        // Published last, so that an observer reacting to the new state finds its timers in place.
        moveTo(s, new Snapshot(running, credential, Mono.just(token), plan.validUntil, generation, stillRunning, false, -1, null));
    }

    /** Moves the state for a failed job; its callers get the error, or the newer token adopted meanwhile. */
    private Mono<AccessToken> failed(Job job, Throwable error) {
        TokenEndpointException failure = asEndpointFailure(error);
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.status() == Status.STOPPED || s.job != job) {
                return Mono.error(failure);
            }
            if (s.generation != job.startGeneration && s.hot != null) {
                // A newer token arrived meanwhile (adopted from the store): this failure is moot.
                snapshot = s.withJob(null);
                return s.hot;
            }
            Instant now = now();
            long nowMs = now.toEpochMilli();
            TokenFailure f = failure.failure();
            int failures = Math.max(job.earlierFailures + 1, job.failures());
            long streakStart = s.streakStart >= 0 ? s.streakStart : job.firstFailureAt >= 0 ? job.firstFailureAt : nowMs;
            boolean tokenValid = s.hot != null && nowMs < s.validUntil;
            attemptTimer.dispose();
            Status to;
            long next = -1;
            if (!f.isTransient()) {
                to = Status.UNAUTHENTICATED;
                log.error("{}: permanent failure, no more token requests until the credential changes or refresh() "
                        + "is called: {}. To fix: {}", this, f, remediation(f));
            } else if (s.status() == Status.UNAUTHENTICATED) {
                to = Status.UNAUTHENTICATED;
            } else if (tokenValid) {
                to = Status.DEGRADED;
                next = nowMs + stretch(policy.degradedRetryInterval(), f).toMillis();
            } else if (nowMs - streakStart >= policy.ceiling().toMillis()) {
                to = Status.UNAUTHENTICATED;
                log.error("{}: token requests have failed for {} ({} attempts), past the ceiling of {}; giving up "
                        + "until the credential changes or refresh() is called. Last failure: {}",
                        this, Duration.ofMillis(nowMs - streakStart), failures, policy.ceiling(), f);
            } else {
                to = Status.AUTH_RETRYING;
                next = Math.min(nowMs + stretch(policy.authRetryingInterval(), f).toMillis(),
                        streakStart + policy.ceiling().toMillis());
            }
            if (to == Status.UNAUTHENTICATED) {
                expiryTimer.dispose();
            }
            if (to != Status.UNAUTHENTICATED && s.status() == to) {
                log.debug("{}: still {} after {} failures: {}", this, to, failures, f);
            }
            WorkloadState state = new WorkloadState(to, s.status() == to ? s.state.since() : now,
                    to == Status.DEGRADED ? s.state.tokenExpiresAt() : Optional.empty(),
                    Optional.of(f), next < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next)), failures);
            boolean keepToken = to == Status.DEGRADED;
            if (next >= 0) {
                attemptTimer = schedule(this::scheduledAttempt, next - nowMs);
            }
            moveTo(s, new Snapshot(state, s.credential, keepToken ? s.hot : null, keepToken ? s.validUntil : Long.MIN_VALUE,
                    s.generation, null, s.rejected, streakStart, failure));
            return Mono.error(failure);
        }
    }

    /** The cadence, stretched to the server's Retry-After but never past the long cadence. */
    private Duration stretch(Duration interval, TokenFailure f) {
        return serverAskedToWait(f).filter(d -> d.compareTo(interval) > 0).orElse(interval);
    }

    private TokenEndpointException asEndpointFailure(Throwable error) {
        if (error instanceof TokenEndpointException te) {
            return te;
        }
        FailureKind kind = error instanceof CredentialBusyException ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
        return TokenEndpointException.of(TokenFailure.noAnswer(kind, "refresh failed before or after the token request "
                        + "(credential store " + store.describe() + "): " + error),
                endpoint.endpoint(), endpoint.clientId(), error);
    }

    private String remediation(TokenFailure f) {
        String client = "client '" + endpoint.clientId() + "'";
        return switch (f.oauthError().orElse("")) {
            case "invalid_client" -> "check the client id and secret (or key) of " + client + " at " + endpoint.endpoint();
            case "invalid_grant" -> "the refresh token of " + client + " is expired or revoked: log in again and write the new "
                    + "credential to " + store.describe();
            case "unauthorized_client", "unsupported_grant_type" -> "allow " + client + " this grant type at the authorization server";
            case "invalid_scope" -> "request only scopes that " + client + " may have";
            case "invalid_request" -> "the authorization server found the request malformed; check the token endpoint URL, "
                    + "scopes and extra parameters";
            default -> f.httpStatus().isPresent() ? "see the authorization server's error for " + client
                    : f.message().contains("private_key_jwt") ? "check the private key configured for " + client
                    : f.message().contains("credential store") ? "repair or rewrite the credential in " + store.describe()
                    : "check the TLS trust store and the token endpoint's certificate";
        };
    }

    /** Called under the mutex: a held token whose time is up leaves the hot path (the caller then starts or joins a refresh). */
    private void expireIfDue() {
        Snapshot s = snapshot;
        if (s.hot != null && now().toEpochMilli() >= s.validUntil) {
            expireLocked(s);
        }
    }

    /** The expiry timer of a token generation. */
    private void expired(long generation) {
        Job started = null;
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.generation != generation || s.hot == null || s.status() == Status.STOPPED) {
                return;
            }
            long now = now().toEpochMilli();
            if (now < s.validUntil) {
                expiryTimer.dispose();
                expiryTimer = schedule(() -> expired(generation), s.validUntil - now);
                return;
            }
            expireLocked(s);
            if (snapshot.status() == Status.RUNNING && snapshot.job == null) {
                started = startJob(true);
            }
        }
        if (started != null) {
            started.start();
        }
    }

    /**
     * Takes an expired token off the hot path. While refreshing fails (DEGRADED, or the refresh in
     * flight has failed already) that is AUTH_RETRYING; otherwise the status stays and callers join
     * the refresh.
     */
    private void expireLocked(Snapshot s) {
        boolean failing = s.status() == Status.DEGRADED || (s.job != null && s.job.failedAttempts > 0);
        if (!failing) {
            snapshot = s.withoutToken();
            return;
        }
        long streakStart = s.streakStart >= 0 ? s.streakStart : s.job.firstFailureAt;
        int failures = s.job == null ? s.state.consecutiveFailures() : s.job.failures();
        WorkloadState state = new WorkloadState(Status.AUTH_RETRYING, now(), Optional.empty(), s.state.lastFailure(),
                s.state.nextAttemptAt(), failures);
        log.warn("{}: the held token expired while refreshing fails; callers fail fast until a refresh succeeds", this);
        moveTo(s, new Snapshot(state, s.credential, null, Long.MIN_VALUE, s.generation, s.job, s.rejected, streakStart, s.lastError));
    }

    private void proactiveRefresh(long generation) {
        Job started = null;
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.generation == generation && s.job == null && s.status() == Status.RUNNING) {
                log.debug("{}: refreshing ahead of expiry", this);
                started = startJob(true);
            }
        }
        if (started != null) {
            started.start();
        }
    }

    private void scheduledAttempt() {
        Job started = null;
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.job == null && (s.status() == Status.DEGRADED || s.status() == Status.AUTH_RETRYING)) {
                started = startJob(false);
            }
        }
        if (started != null) {
            started.start();
        }
    }

    /** A credential someone else wrote to the store (another process, an operator). */
    private void externalCredential(Credential credential) {
        Job started = null;
        synchronized (mutex) {
            Snapshot s = snapshot;
            if (s.status() == Status.STOPPED || credential.sameTokens(s.credential) || credential.sameTokens(lastSaved)) {
                return;
            }
            if (adoptable(credential)) {
                log.info("{}: adopting the credential written to {}", this, store.describe());
                adopt(s, credential, credential.accessToken().get(), null);
            } else if (credential.refreshToken().isPresent() && s.status() == Status.UNAUTHENTICATED && s.job == null) {
                log.info("{}: {} has a new refresh token; trying it", this, store.describe());
                snapshot = s.withCredential(credential);
                started = startJob(false);
            }
        }
        if (started != null) {
            started.start();
        }
    }

    /** Installs {@code next}, checking the move against the transition table; publishes a status change. */
    private void moveTo(Snapshot current, Snapshot next) {
        Status from = current.status();
        Status to = next.status();
        Transitions.check(from, to);
        snapshot = next;
        if (from != to) {
            if (to != Status.STOPPED) {
                log.info("{}: {} -> {}{}", this, from, to, next.state.lastFailure().map(f -> " (" + f + ")").orElse(""));
            }
            stateSink.tryEmitNext(next.state);
        }
    }

    private Disposable schedule(Runnable task, long delayMillis) {
        return scheduler.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }

    private Instant now() {
        return Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
    }

    // ---------------------------------------------------------------- lifetimes

    /**
     * When a token counts as expired ({@code expiryMargin} before its expiry, at most half its
     * remaining lifetime) and when to refresh it ({@code refreshAhead} before expiry, at most half
     * the remaining lifetime, then jittered by ±{@code refreshJitter}; never past the expiry margin).
     */
    Plan plan(AccessToken token, Instant now) {
        Instant expiresAt = expiresAt(token, now);
        if (expiresAt == null) {
            return new Plan(null, Long.MAX_VALUE, Long.MAX_VALUE);
        }
        long nowMs = now.toEpochMilli();
        long exp = expiresAt.toEpochMilli();
        long lifetime = Math.max(0, exp - nowMs);
        long validUntil = validUntil(token, now);
        long ahead = Math.min(refreshAhead != null ? refreshAhead.toMillis() : Duration.ofMinutes(5).toMillis(), lifetime / 2);
        double jitter = refreshJitter == 0 ? 0 : refreshJitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        long refreshAt = Math.min(exp - Math.round(ahead * (1 + jitter)), validUntil);
        return new Plan(expiresAt, validUntil, Math.max(refreshAt, nowMs));
    }

    private @Nullable Instant expiresAt(AccessToken token, Instant now) {
        return token.expiresAt().orElse(defaultLifetime == null ? null : now.plus(defaultLifetime));
    }

    /** Epoch ms before which {@code token} is served: {@code expiryMargin} before its expiry; {@code Long.MAX_VALUE} without one. */
    private long validUntil(AccessToken token, Instant now) {
        Instant expiresAt = expiresAt(token, now);
        if (expiresAt == null) {
            return Long.MAX_VALUE;
        }
        long exp = expiresAt.toEpochMilli();
        long lifetime = Math.max(0, exp - now.toEpochMilli());
        long margin = expiryMargin != null ? Math.min(expiryMargin.toMillis(), lifetime / 2)
                : Math.min(Duration.ofSeconds(30).toMillis(), lifetime / 10);
        return exp - margin;
    }

    record Plan(@Nullable Instant expiresAt, long validUntil, long refreshAt) {
    }

    // ---------------------------------------------------------------- snapshot

    /**
     * Everything the hot path reads, immutable, swapped whole under the mutex.
     *
     * @param hot {@code Mono.just(token)} while callers may be handed the held token
     * @param validUntil epoch ms before which the held token is served
     * @param job the refresh in flight, joined by callers
     * @param rejected a resource server rejected this generation's token (one refresh per generation)
     * @param streakStart epoch ms of the first failure of the current failure streak, or -1
     */
    private record Snapshot(WorkloadState state, @Nullable Credential credential, @Nullable Mono<AccessToken> hot,
                            long validUntil, long generation, @Nullable Job job, boolean rejected, long streakStart,
                            @Nullable TokenEndpointException lastError) {

        static Snapshot starting(WorkloadState state) {
            return new Snapshot(state, null, null, Long.MIN_VALUE, 0, null, false, -1, null);
        }

        Status status() {
            return state.status();
        }

        @Nullable AccessToken token() {
            return credential == null ? null : credential.accessToken().orElse(null);
        }

        Snapshot withJob(@Nullable Job job) {
            return new Snapshot(state, credential, hot, validUntil, generation, job, rejected, streakStart, lastError);
        }

        Snapshot withCredential(Credential credential) {
            return new Snapshot(state, credential, hot, validUntil, generation, job, rejected, streakStart, lastError);
        }

        Snapshot withoutToken() {
            return new Snapshot(state, credential, null, Long.MIN_VALUE, generation, job, rejected, streakStart, lastError);
        }

        Snapshot markRejected() {
            return new Snapshot(state, credential, null, Long.MIN_VALUE, generation, job, true, streakStart, lastError);
        }
    }

    // ---------------------------------------------------------------- builder

    /** Configures a {@link TokenService}; {@link #build()} validates and starts it. Not thread-safe. */
    public static final class Builder {

        private @Nullable URI tokenEndpoint;
        private @Nullable ClientAuth auth;
        private boolean secretPost;
        private @Nullable String clientSecret;
        private @Nullable String clientId;
        private @Nullable Credential seed;
        private @Nullable CredentialStore store;
        private final Set<String> scopes = new LinkedHashSet<>();
        private final Map<String, String> parameters = new LinkedHashMap<>();
        private Scheduler scheduler = Schedulers.parallel();
        private @Nullable RetryPolicy retryPolicy;
        private ErrorClassifier classifier = ErrorClassifier.standard();
        private @Nullable Duration refreshAhead;
        private double refreshJitter = 0.1;
        private @Nullable Duration expiryMargin;
        private @Nullable Duration defaultLifetime;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration responseTimeout = Duration.ofSeconds(10);
        private int maxResponseBytes = 64 * 1024;
        private boolean allowInsecureHttp;
        private @Nullable HttpClient httpClient;
        private @Nullable TokenEndpoint endpointOverride;

        private Builder() {
        }

        /** The token endpoint. {@code https}, or {@code http} on a loopback host, or anywhere after {@link #allowInsecureHttp()}. */
        public Builder tokenEndpoint(URI tokenEndpoint) {
            this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
            return this;
        }

        /** Confidential client with {@code client_secret_basic} (see {@link #clientSecretPost()}). */
        public Builder clientCredentials(String clientId, String clientSecret) {
            this.clientId = requireText("clientId", clientId);
            this.clientSecret = requireText("clientSecret", clientSecret);
            this.auth = null;
            return this;
        }

        /** Sends the client secret in the form body ({@code client_secret_post}) instead of HTTP Basic. */
        public Builder clientSecretPost() {
            this.secretPost = true;
            return this;
        }

        /** Confidential client with {@code private_key_jwt} (RFC 7523): RS256 for RSA keys, ES256/384/512 for EC keys. */
        public Builder privateKeyJwt(String clientId, PrivateKey key, @Nullable String keyId) {
            Objects.requireNonNull(key, "key");
            this.auth = new ClientAuth.PrivateKeyJwt(requireText("clientId", clientId), key, keyId);
            this.clientId = clientId;
            this.clientSecret = null;
            return this;
        }

        /** A public client (no secret): only for the refresh_token grant. Replaces earlier client credentials. */
        public Builder clientId(String clientId) {
            this.clientId = requireText("clientId", clientId);
            this.clientSecret = null;
            this.auth = null;
            return this;
        }

        /** Uses the refresh_token grant, starting from this refresh token; the server may rotate it. */
        public Builder refreshToken(String refreshToken) {
            this.seed = Credential.builder().refreshToken(requireText("refreshToken", refreshToken)).build();
            return this;
        }

        /** Where the credential lives; the service starts from it and saves every new one. Default: in memory. */
        public Builder credentialStore(CredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Scopes to request; none by default. */
        public Builder scopes(String... scopes) {
            for (String scope : scopes) {
                requireText("scope", scope);
                if (scope.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("a scope may not contain white space: '" + scope + "'");
                }
                this.scopes.add(scope);
            }
            return this;
        }

        /** An extra form parameter of the token request, e.g. {@code audience} or {@code resource}. */
        public Builder requestParameter(String name, String value) {
            requireText("parameter name", name);
            if (Set.of("grant_type", "client_id", "client_secret", "refresh_token", "scope", "client_assertion",
                    "client_assertion_type").contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is set by tokenflow; it cannot be a request parameter");
            }
            this.parameters.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The clock and timer source for every delay (default {@code Schedulers.parallel()}); a {@code VirtualTimeScheduler} in tests. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        public Builder errorClassifier(ErrorClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /** How long before expiry to refresh (default: the smaller of 5 min and half the lifetime; never more than half). */
        public Builder refreshAhead(Duration refreshAhead) {
            this.refreshAhead = positive("refreshAhead", refreshAhead);
            return this;
        }

        /** Spread of {@code refreshAhead}, 0 to 0.5 (default 0.1: ±10 %), so that many instances do not refresh together. */
        public Builder refreshJitter(double refreshJitter) {
            if (!(refreshJitter >= 0 && refreshJitter <= 0.5)) {
                throw new IllegalArgumentException("refreshJitter must be within [0, 0.5], was " + refreshJitter);
            }
            this.refreshJitter = refreshJitter;
            return this;
        }

        /** A token counts as expired this long before {@code expires_at} (default: the smaller of 30 s and 10 % of the lifetime). */
        public Builder expiryMargin(Duration expiryMargin) {
            Objects.requireNonNull(expiryMargin, "expiryMargin");
            if (expiryMargin.isNegative()) {
                throw new IllegalArgumentException("expiryMargin must not be negative, was " + expiryMargin);
            }
            this.expiryMargin = expiryMargin;
            return this;
        }

        /** Lifetime assumed for tokens without {@code expires_in}; by default they are valid until rejected. */
        public Builder defaultLifetime(Duration defaultLifetime) {
            this.defaultLifetime = positive("defaultLifetime", defaultLifetime);
            return this;
        }

        /** TCP connect timeout to the token endpoint (default 10 s; real time). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /** Longest wait for the answer between reads (default 10 s; real time); the whole answer gets twice that. */
        public Builder responseTimeout(Duration responseTimeout) {
            this.responseTimeout = positive("responseTimeout", responseTimeout);
            return this;
        }

        /** Largest token endpoint answer read, in bytes (default 64 KiB); a larger one is a transient failure. */
        public Builder maxResponseSize(int bytes) {
            if (bytes < 1024 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("maxResponseSize must be within [1 KiB, 16 MiB], was " + bytes);
            }
            this.maxResponseBytes = bytes;
            return this;
        }

        /** Allows an {@code http://} token endpoint on a non-loopback host: secrets then cross the network in clear. */
        public Builder allowInsecureHttp() {
            this.allowInsecureHttp = true;
            return this;
        }

        /**
         * The Reactor Netty client to start from (proxy, TLS trust, metrics). tokenflow still turns
         * off redirects and sets its timeouts on it. Its connection pool is yours: give it a
         * {@code maxIdleTime} shorter than the token endpoint's keep-alive, or a refresh an hour
         * later may meet a connection the server has closed (a transient failure, then a retry).
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /** Tests: replaces the wire. */
        Builder endpoint(TokenEndpoint endpoint) {
            this.endpointOverride = endpoint;
            return this;
        }

        /**
         * Validates the configuration and starts the service (its first fetch begins now).
         *
         * @throws IllegalStateException when the endpoint or the credentials are missing
         * @throws IllegalArgumentException for an endpoint tokenflow will not send secrets to
         */
        public TokenService build() {
            if (tokenEndpoint == null) {
                throw new IllegalStateException("tokenEndpoint(...) is required");
            }
            checkEndpoint(tokenEndpoint);
            if (secretPost && (auth != null || clientSecret == null)) {
                throw new IllegalStateException("clientSecretPost() needs clientCredentials(id, secret)");
            }
            ClientAuth clientAuth = auth;
            if (clientAuth == null) {
                if (clientId == null) {
                    throw new IllegalStateException("client credentials are required: clientCredentials(id, secret), "
                            + "privateKeyJwt(...), or clientId(id) with refreshToken(...) or credentialStore(...)");
                }
                clientAuth = clientSecret == null ? new ClientAuth.Public(clientId)
                        : secretPost ? new ClientAuth.SecretPost(clientId, clientSecret)
                        : new ClientAuth.SecretBasic(clientId, clientSecret);
            }
            if (clientAuth instanceof ClientAuth.Public && seed == null && store == null) {
                throw new IllegalStateException("client '" + clientId + "' has no secret or key, so it cannot use the "
                        + "client_credentials grant: give refreshToken(...) or credentialStore(...), or clientCredentials(id, secret)");
            }
            TokenEndpoint wire = endpointOverride != null ? endpointOverride
                    : new TokenEndpointClient(tokenEndpoint, clientAuth, scopes, parameters, classifier,
                    maxResponseBytes, connectTimeout, responseTimeout, scheduler, httpClient);
            return new TokenService(this, wire);
        }

        private void checkEndpoint(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
            if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
                throw new IllegalArgumentException("token endpoint must be an absolute https:// URL, was " + uri);
            }
            if (uri.getUserInfo() != null) {
                throw new IllegalArgumentException("token endpoint must not carry user info (credentials) in its URL: "
                        + uri.getScheme() + "://" + uri.getHost() + uri.getPath());
            }
            if (scheme.equals("http") && !allowInsecureHttp && !TokenEndpointClient.isLoopback(uri)) {
                throw new IllegalArgumentException("refusing http:// token endpoint " + uri + " on a non-loopback host: "
                        + "use https, or call allowInsecureHttp() to send credentials in clear on purpose");
            }
        }

        private static String requireText(String what, String value) {
            Objects.requireNonNull(value, what);
            if (value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return value;
        }

        private static Duration positive(String what, Duration d) {
            RetryPolicy.requirePositive(what, d);
            return d;
        }
    }
}
