package io.tokenflow.spring.boot;

/**
 * A {@code tokenflow.*} (or migrated {@code spring.security.oauth2.client.*}) property that cannot work:
 * names the property and says why, never its value when that may be a secret. Read by
 * {@link TokenflowFailureAnalyzer}. Not an {@code IllegalArgumentException}, so that no layer between
 * the properties and the start re-words it.
 */
final class TokenflowPropertyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String reason;

    private TokenflowPropertyException(String property, String reason, Throwable cause) {
        super(property + ": " + reason, cause);
        this.property = property;
        this.reason = reason;
    }

    /** {@code property} is set to something that cannot work, for {@code reason}. */
    static TokenflowPropertyException invalid(String property, String reason) {
        return new TokenflowPropertyException(property, reason, null);
    }

    /** {@code property}'s value was refused by tokenflow with {@code cause}, whose message says why. */
    static TokenflowPropertyException refused(String property, RuntimeException cause) {
        return new TokenflowPropertyException(property, String.valueOf(cause.getMessage()), cause);
    }

    /** {@code property} must be set. */
    static TokenflowPropertyException missing(String property, String why) {
        return new TokenflowPropertyException(property, "not set; " + why, null);
    }

    /** The full name of the property, e.g. {@code tokenflow.clients.orders.client-id}. */
    String property() {
        return property;
    }

    /** Why it cannot work. */
    String reason() {
        return reason;
    }
}
