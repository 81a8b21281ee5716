package io.tokenflow.micrometer;

import io.tokenflow.core.TokenEvent.RequestFinished;
import io.tokenflow.core.TokenFailure;
import java.util.Set;

/**
 * The {@code error} tag of a finished request, from a bounded set: a registered OAuth error code,
 * {@code http_<status>}, {@code io} or {@code none}. A code the registry does not know (a server
 * may send anything there) counts under the HTTP status, so a server cannot grow the tags.
 */
final class ErrorTag {

    /** RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009, RFC 8628 §3.5, RFC 8693 §2.2.2, RFC 8707, RFC 9449 §§5, 8. */
    private static final Set<String> REGISTERED = Set.of(
            "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
            "invalid_scope", "access_denied", "unsupported_response_type", "server_error", "temporarily_unavailable",
            "invalid_token", "insufficient_scope", "unsupported_token_type", "authorization_pending", "slow_down",
            "expired_token", "invalid_target", "invalid_dpop_proof", "use_dpop_nonce");

    private ErrorTag() {
    }

    static String of(RequestFinished finished) {
        if (finished.failure().isEmpty()) {
            return "none";
        }
        TokenFailure failure = finished.failure().get();
        String code = failure.oauthError().orElse(null);
        if (code != null && REGISTERED.contains(code)) {
            return code;
        }
        return failure.httpStatus().isPresent() ? "http_" + failure.httpStatus().getAsInt() : "io";
    }
}
