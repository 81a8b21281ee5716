package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The token endpoint's side of RFC 9449 (DPoP): checks a request's {@code DPoP} proof (an ES256
 * JWT, {@code typ} {@code dpop+jwt}, signed with the public key in its {@code jwk} header, for
 * {@code POST} to the token endpoint, recent, with a {@code jti} not seen before) and, when nonces
 * are required, that it carries the server's current nonce. Nonces rotate on demand: a proof with
 * the previous nonce is refused as one with none. Thread-safe; pure computation (the nonces come
 * from a DRBG seeded when the server starts).
 */
final class DpopCheck {

    /** How far a proof's {@code iat} may be from the server's clock. */
    private static final Duration IAT_WINDOW = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private final boolean requireNonce;
    private final Clock clock;
    private final SecureRandom random;
    private final AtomicReference<String> nonce = new AtomicReference<>();
    private final Set<String> seenIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger proofs = new AtomicInteger();
    private final AtomicInteger nonceChallenges = new AtomicInteger();
    private final Map<String, String> boundKeys = new ConcurrentHashMap<>();

    DpopCheck(boolean requireNonce, Clock clock, SecureRandom random) {
        this.requireNonce = requireNonce;
        this.clock = clock;
        this.random = random;
        rotate();
    }

    boolean requiresNonce() {
        return requireNonce;
    }

    /** The nonce proofs must carry now. */
    String nonce() {
        return nonce.get();
    }

    /** A new nonce; the previous one is refused from now on (as an expired nonce is). */
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

    /** The JWK thumbprint-like key id (its {@code x} coordinate) an access token was bound to; null when Bearer. */
    @Nullable String boundKey(String accessToken) {
        return boundKeys.get(accessToken);
    }

    void bind(String accessToken, String key) {
        boundKeys.put(accessToken, key);
    }

    /** The result of checking one request, and the key it proved (its {@code x} coordinate) when valid. */
    record Result(Verdict verdict, @Nullable String key) {
    }

    /**
     * @param proof the request's {@code DPoP} header; null when absent
     * @param tokenEndpoint the URL the proof's {@code htu} must name
     */
    Result check(@Nullable String proof, URI tokenEndpoint) {
        if (proof == null) {
            return new Result(Verdict.NONE, null);
        }
        proofs.incrementAndGet();
        try {
            String[] parts = proof.split("\\.");
            if (parts.length != 3) {
                return new Result(Verdict.INVALID, null);
            }
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode jwk = header.path("jwk");
            if (!"dpop+jwt".equals(header.path("typ").asText()) || !"ES256".equals(header.path("alg").asText())
                    || !"P-256".equals(jwk.path("crv").asText()) || jwk.has("d")) {
                return new Result(Verdict.INVALID, null);
            }
            Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
            verifier.initVerify(p256(jwk.path("x").asText(), jwk.path("y").asText()));
            verifier.update((parts[0] + "." + parts[1]).getBytes(UTF_8));
            if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return new Result(Verdict.INVALID, null);
            }
            long iat = claims.path("iat").asLong(-1);
            long now = clock.millis() / 1000;
            if (!"POST".equals(claims.path("htm").asText()) || !tokenEndpoint.toString().equals(claims.path("htu").asText())
                    || Math.abs(now - iat) > IAT_WINDOW.toSeconds() || !seenIds.add(claims.path("jti").asText(""))) {
                return new Result(Verdict.INVALID, null);
            }
            if (requireNonce && !nonce.get().equals(claims.path("nonce").asText(null))) {
                nonceChallenges.incrementAndGet();
                return new Result(Verdict.NONCE_REQUIRED, null);
            }
            return new Result(Verdict.BOUND, jwk.path("x").asText());
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return new Result(Verdict.INVALID, null);
        }
    }

    private static PublicKey p256(String x, String y) throws GeneralSecurityException {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
        ECPoint point = new ECPoint(new BigInteger(1, Base64.getUrlDecoder().decode(x)), new BigInteger(1, Base64.getUrlDecoder().decode(y)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
    }
}
