package io.tokenflow.redis;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.CredentialDowngradeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The presenter's save, on its claim: the authorization server has rotated already, so this save
 * holds the only valid refresh token and the record still holds the used one. When Redis does not
 * answer, the same SAVE (same generation, same epoch, the same sealed blob) is tried again with a
 * backoff for up to half the orphan timeout; a SAVE that timed out may have run on the server all
 * the same, so a refusal after an unanswered try is checked by reading the record: the sealed blob
 * found there is this save's own exactly when it landed. A save that cannot be made leaves the claim
 * marked unsaved on the lease, whose release then keeps the claim (no other host sends the used
 * refresh token before {@code orphanTimeout}).
 */
final class ClaimSave {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(1);

    private final StoreContext store;
    private final RedisLease lease;
    private final RedisLease.Claim claim;
    private final BlobCipher.Sealed sealed;
    private final boolean hasRefreshToken;
    private final AtomicBoolean unanswered = new AtomicBoolean();

    private ClaimSave(StoreContext store, RedisLease lease, RedisLease.Claim claim, BlobCipher.Sealed sealed,
                      boolean hasRefreshToken) {
        this.store = store;
        this.lease = lease;
        this.claim = claim;
        this.sealed = sealed;
        this.hasRefreshToken = hasRefreshToken;
    }

    /**
     * Saves {@code sealed} as generation {@code claim.gen() + 1} of the claim's epoch.
     *
     * @param attempt one SAVE of {@code sealed} on the claim, answering the script's reply
     */
    static Mono<Void> run(StoreContext store, RedisLease lease, RedisLease.Claim claim, BlobCipher.Sealed sealed,
                          boolean hasRefreshToken, Mono<List<Object>> attempt) {
        return new ClaimSave(store, lease, claim, sealed, hasRefreshToken).saved(attempt);
    }

    private Mono<Void> saved(Mono<List<Object>> attempt) {
        lease.claimAnswered();
        Duration window = store.settings().orphanTimeout().dividedBy(2);
        long deadline = System.nanoTime() + window.toNanos();
        return Mono.defer(() -> attempt)
                .flatMap(this::answered)
                .doOnError(Failures::unreachable, e -> {
                    if (unanswered.compareAndSet(false, true)) {
                        log.warn("{}: saving the rotated credential on the claim of generation {} got no answer ({}): trying "
                                + "again for up to {}, the refresh token it replaces is used up", store.describe(), claim.gen(),
                                Failures.reason(e), window);
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_BACKOFF).maxBackoff(LONGEST_BACKOFF).jitter(0.2)
                        .scheduler(store.timer())
                        .filter(e -> Failures.unreachable(e) && System.nanoTime() < deadline))
                .doOnSuccess(done -> {
                    lease.claimDone();
                    if (unanswered.get()) {
                        log.info("{}: saved the rotated credential on the claim of generation {} after Redis answered again",
                                store.describe(), claim.gen());
                    }
                });
    }

    private Mono<Void> answered(List<Object> answer) {
        long code = Scripts.at(answer, 0);
        if (code == 1) {
            store.history().wrote(claim.epoch(), Scripts.at(answer, 1), hasRefreshToken);
            return Mono.empty();
        }
        if (code == -5) {
            lease.claimDone();
            return Mono.error(CredentialDowngradeException.refreshTokenWouldBeLost(store.describe()));
        }
        if (code == -2 && unanswered.get()) {
            return store.records().read().flatMap(record -> sealed.blob().equals(record.blob()) ? landed(record) : refused(code,
                    record.gen()));
        }
        return refused(code, Scripts.at(answer, 1));
    }

    /** An unanswered try ran on the server after all: the record holds this save's blob. */
    private Mono<Void> landed(StoredRecord record) {
        store.history().wrote(claim.epoch(), record.gen(), hasRefreshToken);
        return Mono.empty();
    }

    private Mono<Void> refused(long code, long gen) {
        lease.claimDone();
        return Mono.error(CredentialBusyException.unavailable(store.describe(), "not saved: generation " + claim.gen()
                + (code == -6 ? " was claimed by another holder after orphanTimeout" : " moved on to " + gen)
                + " meanwhile; this host keeps the token it got and the stored credential is adopted when it is valid"));
    }
}
