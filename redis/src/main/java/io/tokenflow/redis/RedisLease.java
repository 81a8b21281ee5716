package io.tokenflow.redis;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A refresh lease held in Redis: the owner token in the lease key, renewed every third of its TTL
 * (a {@code 0} answer or two failed renewals in a row mark it lapsed here), and the claim made
 * {@linkplain #beforeRefresh right before} a refresh token is sent. The claim is what keeps a
 * refresh token from being sent twice: it is granted only to the lease holder, only while the
 * record is still at the generation whose refresh token is sent, and only if nobody else claimed
 * that generation less than {@code orphanTimeout} ago. The presenter's save is accepted because it
 * owns the claim, even if its lease lapsed meanwhile (its answer holds the only valid refresh token).
 */
final class RedisLease implements CredentialStore.RefreshLease {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);

    /** A claim granted to this lease: generation {@code gen} of {@code epoch}. */
    record Claim(String epoch, long gen) {
    }

    private final StoreContext store;
    private final Consumer<RedisLease> onRelease;
    private final String owner;
    private final long fence;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile @Nullable Disposable renewal;
    private volatile boolean lapsed;
    private volatile @Nullable Claim claim;
    private volatile boolean answered;
    private int failedRenewals;

    /** @param onRelease told once when this lease is released (its store no longer holds it) */
    RedisLease(StoreContext store, Consumer<RedisLease> onRelease, String owner, long fence) {
        this.store = store;
        this.onRelease = onRelease;
        this.owner = owner;
        this.fence = fence;
    }

    String owner() {
        return owner;
    }

    long fence() {
        return fence;
    }

    /** The claim this lease holds and has not saved on yet; null if none. */
    @Nullable Claim claim() {
        return claim;
    }

    /**
     * The authorization server answered the refresh token sent on the claim with a new credential:
     * the claimed refresh token is used up, so until {@link #claimDone()} the release keeps the claim.
     */
    void claimAnswered() {
        answered = true;
    }

    /** Its claim needs no keeping: saved on (gone in Redis), or refused for good (another holder's, a downgrade). */
    void claimDone() {
        claim = null;
        answered = false;
    }

    void startRenewal() {
        Duration period = store.settings().leaseTtl().dividedBy(3);
        renewal = Flux.interval(period, period, store.timer())
                .onBackpressureDrop()
                .concatMap(tick -> renewOnce(), 1)
                .subscribe();
    }

    private Mono<Void> renewOnce() {
        return store.connections().redis()
                .flatMap(redis -> Scripts.RENEW.integer(redis, new String[] {store.keys().lease()}, owner,
                        Long.toString(store.settings().leaseTtl().toMillis())))
                .timeout(store.settings().commandTimeout())
                .doOnNext(renewed -> {
                    if (renewed == 1) {
                        failedRenewals = 0;
                    } else {
                        lapse("it is gone or someone else's");
                    }
                })
                .onErrorResume(e -> {
                    if (++failedRenewals >= 2) {
                        lapse("two renewals failed: " + Failures.reason(e));
                    }
                    return Mono.empty();
                })
                .then();
    }

    private void lapse(String why) {
        if (!lapsed) {
            lapsed = true;
            stopRenewal();
            log.warn("{}: the refresh lease (fence {}) lapsed ({}); a refresh token is not sent under it, a claimed one is "
                    + "still saved", store.describe(), fence, why);
        }
    }

    /**
     * Claims the stored generation for {@code presenting}: read the record, check that it still
     * holds this refresh token (or none, for the first save) and has not disappeared or gone back,
     * then CLAIM. Any doubt, an unanswered claim included, means nothing is sent.
     */
    @Override
    public Mono<Void> beforeRefresh(Credential presenting) {
        return Mono.defer(() -> {
            if (lapsed) {
                return Mono.error(busy("the refresh lease (fence " + fence + ") lapsed before the refresh token was sent: "
                        + "another holder may refresh; not sending"));
            }
            return store.records().read().flatMap(record -> claim(record, presenting));
        }).onErrorMap(Failures::unreachable,
                e -> Failures.unreachable(store.describe(), "claim the credential before its refresh token is sent", e));
    }

    private Mono<Void> claim(StoredRecord record, Credential presenting) {
        store.records().refuseLost(record);
        if (record.holdsCredential()
                && !store.records().decode(record).refreshToken().equals(presenting.refreshToken())) {
            return Mono.error(busy("generation " + record.gen() + " stored in it has another refresh token than the one "
                    + "about to be sent: not sending; the stored credential is read again"));
        }
        String epoch = record.epoch() != null ? record.epoch() : store.ids().newEpoch();
        long gen = record.gen();
        long sent = System.nanoTime();
        return store.connections().redis()
                .flatMap(redis -> Scripts.CLAIM.multi(redis, store.recordAndLease(), owner, Long.toString(fence),
                        Long.toString(gen), Long.toString(store.settings().orphanTimeout().toMillis()), epoch, store.keys().events()))
                .timeout(store.settings().commandTimeout())
                .flatMap(answer -> {
                    long code = Scripts.at(answer, 0);
                    if (code == 1) {
                        return claimed(epoch, gen, Scripts.at(answer, 2), Scripts.at(answer, 3), Duration.ofNanos(System.nanoTime() - sent));
                    }
                    if (code == -3) {
                        lapse("the claim found it gone");
                        return Mono.error(busy("the refresh lease (fence " + fence + ") lapsed before the claim: not sending"));
                    }
                    if (code == -2) {
                        return Mono.error(busy("generation " + gen + " moved on to " + Scripts.at(answer, 1) + " before the claim: "
                                + "another holder refreshed; not sending, its credential is read again"));
                    }
                    return Mono.error(busy("another holder (fence " + Scripts.at(answer, 1) + ") claimed generation " + gen + " "
                            + Scripts.at(answer, 2) + " ms ago and is sending its refresh token; not sending"));
                });
    }

    private Mono<Void> claimed(String epoch, long gen, long priorFence, long priorAge, Duration took) {
        claim = new Claim(epoch, gen);
        if (priorFence > 0) {
            log.warn("{}: took over the claim on generation {} from fence {} ({} ms old, past orphanTimeout {}) with fence {}: "
                            + "its holder is gone or paused. Had it sent the refresh token already, the authorization server "
                            + "refuses it now (invalid_grant, a lost rotation) and the credential must be written again",
                    store.describe(), gen, priorFence, priorAge, store.settings().orphanTimeout(), fence);
        }
        if (took.compareTo(store.settings().orphanTimeout().dividedBy(2)) > 0) {
            return Mono.error(busy("the claim on generation " + gen + " took " + took.toMillis() + " ms to confirm (was this "
                    + "process paused?), too close to orphanTimeout " + store.settings().orphanTimeout() + " for another "
                    + "holder not to take it over: not sending"));
        }
        return Mono.empty();
    }

    /**
     * Drops the lease and a claim not saved on, unless the refresh token sent on that claim was
     * answered (it is used up) and its credential not saved: that claim stays until it is saved
     * on or orphaned. Never fails (a lease it cannot drop lapses by itself).
     */
    @Override
    public Mono<Void> release() {
        return Mono.defer(() -> {
            if (!released.compareAndSet(false, true)) {
                return Mono.empty();
            }
            stopRenewal();
            onRelease.accept(this);
            Claim unsaved = answered ? claim : null;
            if (unsaved != null) {
                log.warn("{}: the credential rotated on the claim of generation {} (fence {}) could not be saved; the claim is "
                        + "kept, so that no host sends the used refresh token before orphanTimeout {}; this host serves the "
                        + "new token it holds. Should no save follow, the host taking the claim over gets invalid_grant (a lost "
                        + "rotation) and the credential must be written again", store.describe(), unsaved.gen(), fence,
                        store.settings().orphanTimeout());
            }
            return store.connections().redis()
                    .flatMap(redis -> Scripts.RELEASE.integer(redis, new String[] {store.keys().lease(), store.keys().cred()},
                            owner, store.keys().events(), unsaved != null ? "keep" : "drop"))
                    .timeout(store.settings().commandTimeout())
                    .then()
                    .onErrorResume(e -> {
                        log.debug("{}: releasing the refresh lease (fence {}) failed, it lapses by itself: {}", store.describe(), fence,
                                Failures.reason(e));
                        return Mono.empty();
                    });
        });
    }

    private void stopRenewal() {
        Disposable r = renewal;
        if (r != null) {
            r.dispose();
        }
    }

    private CredentialBusyException busy(String why) {
        return CredentialBusyException.unavailable(store.describe(), why);
    }

    @Override
    public String toString() {
        return "RedisLease[fence " + fence + (lapsed ? ", lapsed" : "") + (claim != null ? ", claimed" : "") + "]";
    }
}
