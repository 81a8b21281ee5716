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
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Checks one DPoP proof (RFC 9449 §4.3) as a server does: a JWT of {@code typ} {@code dpop+jwt},
 * {@code alg} ES256, signed with the public P-256 key in its {@code jwk} header (no private part),
 * for this method and URL ({@code htu} without query and fragment), issued within five minutes of
 * the server's clock, with a {@code jti} never seen before, the access token's hash ({@code ath})
 * when a token is presented, and the nonce when one is required. JDK crypto only. Thread-safe.
 */
final class DpopVerifier {

    /** How far a proof's {@code iat} may be from the server's clock. */
    private static final Duration IAT_WINDOW = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Decoder B64 = Base64.getUrlDecoder();
    private static final Base64.Encoder B64_OUT = Base64.getUrlEncoder().withoutPadding();

    private final Clock clock;
    private final Set<String> seenIds = ConcurrentHashMap.newKeySet();

    DpopVerifier(Clock clock) {
        this.clock = clock;
    }

    /** What a proof proved; {@code jkt} is the RFC 7638 thumbprint of its key when it holds. */
    record Verified(boolean valid, boolean nonceMissing, @Nullable String jkt) {
        static final Verified INVALID = new Verified(false, false, null);
    }

    /**
     * @param accessToken the token the request presents, whose hash the proof must carry; null for a token request
     * @param nonce the nonce the proof must carry; null when none is required
     */
    Verified verify(String proof, String method, URI url, @Nullable String accessToken, @Nullable String nonce) {
        try {
            String[] parts = proof.split("\\.");
            if (parts.length != 3) {
                return Verified.INVALID;
            }
            JsonNode header = JSON.readTree(B64.decode(parts[0]));
            JsonNode claims = JSON.readTree(B64.decode(parts[1]));
            JsonNode jwk = header.path("jwk");
            if (!"dpop+jwt".equals(header.path("typ").asText()) || !"ES256".equals(header.path("alg").asText())
                    || !"EC".equals(jwk.path("kty").asText()) || !"P-256".equals(jwk.path("crv").asText()) || jwk.has("d")) {
                return Verified.INVALID;
            }
            String x = jwk.path("x").asText();
            String y = jwk.path("y").asText();
            Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
            verifier.initVerify(p256(x, y));
            verifier.update((parts[0] + "." + parts[1]).getBytes(UTF_8));
            long iat = claims.path("iat").asLong(Long.MIN_VALUE / 2);
            boolean holds = verifier.verify(B64.decode(parts[2]))
                    && method.equals(claims.path("htm").asText())
                    && htu(url).equals(claims.path("htu").asText())
                    && Math.abs(clock.millis() / 1000 - iat) <= IAT_WINDOW.toSeconds()
                    && (accessToken == null ? !claims.has("ath") : ath(accessToken).equals(claims.path("ath").asText()));
            if (!holds || !seenIds.add(claims.path("jti").asText(""))) {
                return Verified.INVALID;
            }
            String jkt = thumbprint(x, y);
            if (nonce != null && !nonce.equals(claims.path("nonce").asText(null))) {
                return new Verified(true, true, jkt);
            }
            return new Verified(true, false, jkt);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return Verified.INVALID;
        }
    }

    /** RFC 7638 thumbprint of an EC P-256 JWK, Base64url. */
    static String thumbprint(String x, String y) throws GeneralSecurityException {
        String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        return B64_OUT.encodeToString(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(UTF_8)));
    }

    /** RFC 9449 §4.2 {@code ath}: Base64url of the token's SHA-256. */
    static String ath(String accessToken) throws GeneralSecurityException {
        return B64_OUT.encodeToString(MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(UTF_8)));
    }

    private static String htu(URI url) {
        String s = url.toString();
        int cut = s.length();
        for (char c : new char[] {'?', '#'}) {
            int at = s.indexOf(c);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        return s.substring(0, cut);
    }

    private static PublicKey p256(String x, String y) throws GeneralSecurityException {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
        ECPoint point = new ECPoint(new BigInteger(1, B64.decode(x)), new BigInteger(1, B64.decode(y)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
    }
}
