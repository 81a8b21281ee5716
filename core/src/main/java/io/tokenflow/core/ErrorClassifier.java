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
     * The contract's classification table:
     * <ul>
     *   <li>4xx (but 408, 429) whose {@code error} is one of RFC 6749 §5.2's token errors
     *       ({@code invalid_request}, {@code invalid_client}, {@code invalid_grant},
     *       {@code unauthorized_client}, {@code unsupported_grant_type}, {@code invalid_scope}):
     *       permanent;</li>
     *   <li>4xx with any other {@code error}, or none: transient. A WAF, CDN, gateway or framework
     *       error page answered ({@code {"error":"Forbidden"}} is Spring Boot's), or the server
     *       asked to come back ({@code temporarily_unavailable}, {@code slow_down});</li>
     *   <li>5xx, 408, 429, 3xx, 2xx that is not a token response: transient;</li>
     *   <li>a TLS certificate rejected (untrusted, expired, wrong host): permanent; every other
     *       transport error: transient.</li>
     * </ul>
     * To make another code permanent (say RFC 8707 {@code invalid_target}), wrap this one.
     */
    static ErrorClassifier standard() {
        return StandardErrorClassifier.INSTANCE;
    }
}

final class StandardErrorClassifier implements ErrorClassifier {

    static final StandardErrorClassifier INSTANCE = new StandardErrorClassifier();

    /** RFC 6749 §5.2: the token errors that only a change of credential or configuration cures. */
    private static final Set<String> PERMANENT_ERRORS = Set.of("invalid_request", "invalid_client", "invalid_grant",
            "unauthorized_client", "unsupported_grant_type", "invalid_scope");

    /** Deeper cause chains are not followed (and a cyclic one ends). */
    private static final int MAX_CAUSES = 32;

    @Override
    public FailureKind classifyAnswer(int httpStatus, @Nullable String oauthError) {
        if (httpStatus >= 400 && httpStatus < 500 && httpStatus != 408 && httpStatus != 429
                && oauthError != null && PERMANENT_ERRORS.contains(oauthError)) {
            return FailureKind.PERMANENT;
        }
        return FailureKind.TRANSIENT;
    }

    @Override
    public FailureKind classifyTransportError(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (t instanceof SSLHandshakeException) {
                int inner = 0;
                for (Throwable c = t; c != null && inner < MAX_CAUSES; c = c.getCause(), inner++) {
                    if (c instanceof CertificateException
                            || c.getClass().getName().startsWith("java.security.cert.")
                            || c.getClass().getName().equals("sun.security.validator.ValidatorException")) {
                        return FailureKind.PERMANENT;
                    }
                }
            }
        }
        return FailureKind.TRANSIENT;
    }
}
