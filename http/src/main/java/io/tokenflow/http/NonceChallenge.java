package io.tokenflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether a resource server's answer asks for the request again with its nonce (RFC 9449 §9): a
 * {@code 401} with a {@code DPoP error="use_dpop_nonce"} challenge and a {@code DPoP-Nonce} other
 * than the one the request's proof carried. Comparing with the proof, not with the nonce held,
 * lets every request of a burst that met the same new nonce retry once, not only the first.
 */
final class NonceChallenge {

    static final String DPOP_NONCE = "DPoP-Nonce";
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // Jackson makes its tree deserializer on first use under a lock: make it here, once, so that
        // two event loops reading their first proof at once do not park on that lock (BlockHound).
        try {
            JSON.readTree("{\"nonce\":\"n\"}");
        } catch (IOException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    private NonceChallenge() {
    }

    /**
     * @param status the answer's status code
     * @param challenges its {@code WWW-Authenticate} values
     * @param nonce its {@code DPoP-Nonce}, or {@code null}
     * @param proof the {@code DPoP} proof the request carried, or {@code null} (no DPoP: never retried)
     */
    static boolean asksAgain(int status, List<String> challenges, @Nullable String nonce, @Nullable String proof) {
        return status == 401 && proof != null && usable(nonce)
                && Challenges.hasError(challenges, BearerClientRequest.DPOP, "use_dpop_nonce")
                && !nonce.equals(nonceOf(proof));
    }

    /** A nonce a proof can carry (RFC 9449 §8.1: visible ASCII, at least one character). */
    static boolean usable(@Nullable String nonce) {
        return nonce != null && !nonce.isEmpty() && nonce.chars().allMatch(c -> c > 0x20 && c < 0x7F);
    }

    /** The {@code nonce} claim of a proof (a compact JWS); {@code null} when it has none or is no JWS. */
    static @Nullable String nonceOf(String proof) {
        int first = proof.indexOf('.');
        int second = first < 0 ? -1 : proof.indexOf('.', first + 1);
        if (second < 0) {
            return null;
        }
        try {
            JsonNode nonce = JSON.readTree(Base64.getUrlDecoder().decode(proof.substring(first + 1, second))).get("nonce");
            return nonce != null && nonce.isTextual() ? nonce.asText() : null;
        } catch (IOException | IllegalArgumentException notAProof) {
            return null;
        }
    }
}
