package io.tokenflow.test;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * RFC 9449 (DPoP) for one server: checks a request's {@code DPoP} proof ({@link DpopVerifier}),
 * requires the server's current nonce when asked to, rotates it on demand (a proof with the
 * previous nonce is refused as one with none, as an expired nonce is), and remembers which key each
 * token was bound to. Thread-safe; pure computation (nonces come from a DRBG seeded at start).
 */
final class DpopCheck {

    /** What a request's proof means for the answer. */
    enum Verdict {
        /** No proof: a Bearer token. */
        NONE,
        /** A valid proof with the right nonce (or none required): a DPoP-bound token. */
        BOUND,
        /** A valid proof without the current nonce: {@code use_dpop_nonce}. */
        NONCE_REQUIRED,
        /** A proof that does not hold: {@code invalid_dpop_proof}. */
        INVALID
    }

    /** The verdict, and the RFC 7638 thumbprint of the key a valid proof proved. */
    record Result(Verdict verdict, @Nullable String jkt) {
    }

    private final boolean requireNonce;
    private final SecureRandom random;
    private final DpopVerifier verifier;
    private final AtomicReference<String> nonce = new AtomicReference<>();
    private final AtomicInteger proofs = new AtomicInteger();
    private final AtomicInteger nonceChallenges = new AtomicInteger();
    private final Map<String, String> boundKeys = new ConcurrentHashMap<>();

    DpopCheck(boolean requireNonce, Clock clock, SecureRandom random) {
        this.requireNonce = requireNonce;
        this.random = random;
        this.verifier = new DpopVerifier(clock);
        rotate();
    }

    boolean requiresNonce() {
        return requireNonce;
    }

    /** The nonce proofs must carry now. */
    String nonce() {
        return nonce.get();
    }

    /** A new nonce; the previous one is refused from now on. */
    String rotate() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String next = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        nonce.set(next);
        return next;
    }

    int proofs() {
        return proofs.get();
    }

    int nonceChallenges() {
        return nonceChallenges.get();
    }

    /** The thumbprint of the key {@code accessToken} was bound to; null for a Bearer token. */
    @Nullable String boundKey(String accessToken) {
        return boundKeys.get(accessToken);
    }

    void bind(String accessToken, String jkt) {
        boundKeys.put(accessToken, jkt);
    }

    /**
     * @param proof the request's {@code DPoP} header; null when absent
     * @param method the request's method
     * @param url the URL the proof's {@code htu} must name
     * @param accessToken the token the request presents (a resource request); null for a token request
     */
    Result check(@Nullable String proof, String method, URI url, @Nullable String accessToken) {
        if (proof == null) {
            return new Result(Verdict.NONE, null);
        }
        proofs.incrementAndGet();
        DpopVerifier.Verified verified = verifier.verify(proof, method, url, accessToken, requireNonce ? nonce.get() : null);
        if (!verified.valid()) {
            return new Result(Verdict.INVALID, null);
        }
        if (verified.nonceMissing()) {
            nonceChallenges.incrementAndGet();
            return new Result(Verdict.NONCE_REQUIRED, null);
        }
        return new Result(Verdict.BOUND, verified.jkt());
    }
}
