package io.tokenflow.redis;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.CredentialDowngradeException;
import io.tokenflow.core.store.Credential;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Saving and clearing, always by the SAVE script, which checks the generation (the CAS) and
 * refuses a downgrade. Three ways in: the presenter's save, on its claim (accepted even if its
 * lease lapsed); a save or clear by this store's lease holder without a claim (a grant without
 * refresh token, the own-grant fallback); and an operator's write, which takes the lease first.
 */
final class Writes {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);
    /** A write without a claim reads the generation, then saves on it: tried again when it moved meanwhile. */
    private static final int ATTEMPTS = 3;

    private final StoreContext store;
    private final Leases leases;

    Writes(StoreContext store, Leases leases) {
        this.store = store;
        this.leases = leases;
    }

    Mono<Void> save(Credential credential) {
        return Mono.defer(() -> {
            Blob blob = Blob.of(credential);
            RedisLease held = leases.held();
            if (held == null) {
                return underOwnLease("save", blob);
            }
            RedisLease.Claim claim = held.claim();
            return claim != null ? onClaim(held, claim, blob) : write("lease", held, blob, ATTEMPTS);
        }).onErrorMap(Failures::unreachable, e -> Failures.unreachable(store.describe(), "save the credential", e));
    }

    Mono<Void> clear() {
        return Mono.defer(() -> {
            RedisLease held = leases.held();
            return held != null ? write("clear", held, Blob.EMPTY, ATTEMPTS) : underOwnLease("clear", Blob.EMPTY);
        }).onErrorMap(Failures::unreachable, e -> Failures.unreachable(store.describe(), "clear the credential", e));
    }

    private Mono<Void> underOwnLease(String mode, Blob blob) {
        return Mono.usingWhen(leases.forWrite(), lease -> write(mode, lease, blob, ATTEMPTS),
                RedisLease::release, (lease, error) -> lease.release(), RedisLease::release);
    }

    /** The presenter's save: generation {@code claim.gen() + 1} of the claim's epoch, tried again while Redis does not answer. */
    private Mono<Void> onClaim(RedisLease lease, RedisLease.Claim claim, Blob blob) {
        BlobCipher.Sealed sealed = seal(blob, claim.epoch(), claim.gen());
        return ClaimSave.run(store, lease, claim, sealed, blob.hasRefreshToken(),
                run("claim", lease, claim.epoch(), claim.epoch(), claim.gen(), blob, sealed));
    }

    /** A save ({@code lease}) or clear ({@code clear}) by the holder of {@code lease}, on the generation it reads first. */
    private Mono<Void> write(String mode, RedisLease lease, Blob blob, int attempts) {
        return store.records().read().flatMap(record -> {
            if (!mode.equals("clear") && record.holdsCredential()) {
                refuseUnreadable(record);
            }
            String epoch = record.epoch() != null ? record.epoch() : store.ids().newEpoch();
            String newEpoch = mode.equals("clear") ? store.ids().newEpoch() : epoch;
            return run(mode, lease, epoch, newEpoch, record.gen(), blob, seal(blob, newEpoch, record.gen())).flatMap(answer -> {
                long code = Scripts.at(answer, 0);
                if (code == 1) {
                    // Every SAVE empties the claim: a later save under this lease goes on the record as written now.
                    lease.claimDone();
                    store.history().wrote(newEpoch, Scripts.at(answer, 1), blob.hasRefreshToken());
                    log.debug("{}: {} generation {}", store.describe(), mode.equals("clear") ? "cleared, now" : "wrote",
                            Scripts.at(answer, 1));
                    return Mono.empty();
                }
                if (code == -5) {
                    return Mono.error(CredentialDowngradeException.refreshTokenWouldBeLost(store.describe()));
                }
                if (code == -2 && attempts > 1) {
                    return write(mode, lease, blob, attempts - 1);
                }
                return Mono.error(CredentialBusyException.unavailable(store.describe(), code == -3
                        ? "the refresh lease (fence " + lease.fence() + ") lapsed before the write; nothing was written"
                        : "the credential kept changing under the write; nothing was written"));
            });
        });
    }

    /** A save does not replace what it cannot read (it could not tell a downgrade, nor what it destroys): fail closed. */
    private void refuseUnreadable(StoredRecord record) {
        try {
            store.records().decode(record);
        } catch (IllegalStateException unreadable) {
            throw new IllegalStateException("refusing to overwrite the credential in " + store.describe() + " without reading it "
                    + "first (" + unreadable.getMessage() + "); fix the keyring or clear it, nothing was written", null);
        }
    }

    /** {@code blob} sealed as generation {@code gen + 1} of {@code epoch}. */
    private BlobCipher.Sealed seal(Blob blob, String epoch, long gen) {
        return blob.isEmpty() ? new BlobCipher.Sealed("", "") : store.cipher().seal(blob.json(), store.keys().aad(epoch, gen + 1));
    }

    private Mono<List<Object>> run(String mode, RedisLease lease, String epoch, String newEpoch, long gen, Blob blob,
                                   BlobCipher.Sealed sealed) {
        return store.connections().redis()
                .flatMap(redis -> Scripts.SAVE.multi(redis, store.recordAndLease(), mode, lease.owner(), Long.toString(gen), epoch,
                        sealed.blob(), sealed.keyId(), blob.hasRefreshToken() ? "1" : "0", blob.accessTokenExpiry(),
                        Long.toString(lease.fence()), store.writer(), store.keys().events(), newEpoch))
                .timeout(store.settings().commandTimeout());
    }

    /**
     * What a save writes besides the sealed JSON: whether there is a refresh token (the downgrade
     * check, without opening the blob) and the access token's expiry in epoch ms (not secret).
     */
    private record Blob(byte[] json, boolean hasRefreshToken, String accessTokenExpiry) {

        static final Blob EMPTY = new Blob(new byte[0], false, "");

        /** @throws IllegalArgumentException for a credential without an access token (the format requires one) */
        static Blob of(Credential credential) {
            return new Blob(credential.toJson(), credential.refreshToken().isPresent(), credential.accessToken()
                    .flatMap(AccessToken::expiresAt).map(at -> Long.toString(at.toEpochMilli())).orElse(""));
        }

        boolean isEmpty() {
            return json.length == 0;
        }
    }
}
