package io.tokenflow.core;

import java.security.cert.CertificateException;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a token-endpoint failure is {@link FailureKind#TRANSIENT} (retried) or
 * {@link FailureKind#PERMANENT} (the service stops asking). Replaceable through
 * {@link TokenService.Builder#errorClassifier(ErrorClassifier)}; wrap {@link #standard()} to
 * change one case. Called on Reactor threads: must not block.
 */
public interface ErrorClassifier {

    /**
     * Classifies an answer that is not a valid token response.
     *
     * @param httpStatus the HTTP status (2xx when the body was not a token response)
     * @param oauthError the RFC 6749 {@code error} code Nimbus parsed from the body; {@code null}
     *     when there was none (an HTML page from a WAF or proxy, an empty body)
     */
    FailureKind classifyAnswer(int httpStatus, @Nullable String oauthError);

    /** Classifies a failure before a complete answer: connect, DNS, timeout, TLS, truncated body. */
    FailureKind classifyTransportError(Throwable error);

    /**
     * The classification table of {@code docs/states.md}:
     * <ul>
     *   <li>5xx, 408, 429, 3xx, 2xx that is not a token response: transient;</li>
     *   <li>4xx without an RFC 6749 {@code error}: transient (a WAF, CDN or proxy answered);</li>
     *   <li>4xx with {@code temporarily_unavailable}, {@code server_error} or {@code slow_down}: transient;</li>
     *   <li>4xx with any other {@code error} ({@code invalid_grant}, {@code invalid_client}, ...): permanent;</li>
     *   <li>a TLS certificate rejected: permanent; every other transport error: transient.</li>
     * </ul>
     */
    static ErrorClassifier standard() {
        return StandardErrorClassifier.INSTANCE;
    }
}

final class StandardErrorClassifier implements ErrorClassifier {

    static final StandardErrorClassifier INSTANCE = new StandardErrorClassifier();

    private static final Set<String> TRANSIENT_ERRORS = Set.of("temporarily_unavailable", "server_error", "slow_down");

    @Override
    public FailureKind classifyAnswer(int httpStatus, @Nullable String oauthError) {
        if (httpStatus >= 400 && httpStatus < 500 && httpStatus != 408 && httpStatus != 429
                && oauthError != null && !oauthError.isBlank() && !TRANSIENT_ERRORS.contains(oauthError)) {
            return FailureKind.PERMANENT;
        }
        return FailureKind.TRANSIENT;
    }

    @Override
    public FailureKind classifyTransportError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                for (Throwable c = t; c != null; c = c.getCause()) {
                    if (c instanceof CertificateException
                            || c.getClass().getName().startsWith("java.security.cert.")
                            || c.getClass().getName().equals("sun.security.validator.ValidatorException")) {
                        return FailureKind.PERMANENT;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return FailureKind.TRANSIENT;
    }
}
