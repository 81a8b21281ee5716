package io.tokenflow.core;

/**
 * The operator's "to fix" hint for a permanent failure, looked up by the failure's
 * {@link FailureOrigin} and, for an answer, its RFC 6749 {@code error}. Pure; the hints are the
 * table in {@code docs/operations.md} ("Permanent errors and their remediation"), which a test
 * holds against this class.
 */
final class Remediation {

    private Remediation() {
    }

    /**
     * @param clientId the client id, as the hint names it
     * @param endpoint the token endpoint
     * @param store the credential store's {@code describe()}
     */
    static String hint(TokenFailure failure, String clientId, String endpoint, String store) {
        String client = "client '" + clientId + "'";
        return switch (failure.origin()) {
            case ANSWER -> answer(failure, client, endpoint, store);
            case TLS -> "check the TLS trust store and the token endpoint's certificate";
            case CLIENT_KEY -> "check the private key configured for " + client;
            case STORE -> "repair or rewrite the credential in " + store;
            // Always transient: shown with the failure, never logged as a permanent error's hint.
            case GRANT_INPUT -> "check the source of the assertion or subject token of " + client;
            // Only a replaced ErrorClassifier makes a network failure permanent.
            case TRANSPORT -> "check the network path to " + endpoint + " (DNS, proxy, firewall)";
        };
    }

    private static String answer(TokenFailure failure, String client, String endpoint, String store) {
        return switch (failure.oauthError().orElse("")) {
            case "invalid_client" -> "check the client id and secret (or key) of " + client + " at " + endpoint;
            case "invalid_grant" -> "the refresh token of " + client + " is expired or revoked: log in again and write the new "
                    + "credential to " + store;
            case "unauthorized_client", "unsupported_grant_type" -> "allow " + client + " this grant type at the authorization server";
            case "invalid_scope" -> "request only scopes that " + client + " may have";
            case "invalid_request" -> "the authorization server found the request malformed; check the token endpoint URL, "
                    + "scopes and extra parameters";
            // Another code, or none, that a replaced ErrorClassifier made permanent.
            default -> "see the authorization server's error for " + client;
        };
    }
}
