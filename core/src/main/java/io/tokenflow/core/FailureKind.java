package io.tokenflow.core;

/** Whether a token-endpoint failure is worth retrying. */
public enum FailureKind {
    /** May pass by itself (network, 5xx, 429, a WAF page): retried with backoff. */
    TRANSIENT,
    /** Will not pass without a change of credential or configuration: never retried. */
    PERMANENT
}
