package io.tokenflow.core;

/**
 * Where a {@link TokenFailure} arose. It decides the failure's remediation hint
 * ({@link Remediation}): a lookup by type, never a search of the message text.
 */
enum FailureOrigin {
    /** The token endpoint answered over HTTP, but not with a token. */
    ANSWER,
    /** No complete answer: timeout, reset, premature close, truncated body, an HTTP/2 protocol error. */
    TRANSPORT,
    /** The TCP connection was refused: nothing listens at the endpoint's host and port. */
    CONNECT_REFUSED,
    /** The endpoint's host name does not resolve (DNS). */
    UNKNOWN_HOST,
    /** The TLS handshake with the token endpoint failed (certificate, protocol). */
    TLS,
    /** {@code https}, but the server answered the TLS handshake in plain text: a plain-HTTP port. */
    NOT_TLS,
    /** The client's own key could not sign the client assertion. */
    CLIENT_KEY,
    /** The credential store failed before or after the token request. */
    STORE,
    /** The grant's input could not be had: the jwt-bearer assertion, or the token exchange's subject token. */
    GRANT_INPUT,
    /** The authorization server's metadata ({@code issuer(..)}) cannot be used: another issuer, no token endpoint, the client's method not offered. */
    DISCOVERY
}
