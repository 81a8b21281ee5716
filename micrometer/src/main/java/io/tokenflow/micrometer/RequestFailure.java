package io.tokenflow.micrometer;

import io.tokenflow.core.TokenFailure;

/**
 * A failed token request as an observation's error, so that a tracer marks its span: the
 * {@link TokenFailure} as its message (which holds no secret), without a stack trace (there is
 * no throw site worth showing).
 */
final class RequestFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private RequestFailure(String message) {
        super(message, null, false, false);
    }

    static RequestFailure of(TokenFailure failure) {
        return new RequestFailure("token request failed: " + failure);
    }
}
