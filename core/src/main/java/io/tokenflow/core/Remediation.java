package io.tokenflow.core;

import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The operator's "to fix" hint for a failure ({@link TokenFailure#remediation()}), looked up by
 * the failure's {@link FailureOrigin}, kind and HTTP status and, for an answer, its RFC 6749
 * {@code error}: never by its message text. Every permanent failure has one; a transient failure
 * has one when its cause is a setting to fix rather than an outage to wait out. The hints are the
 * tables in {@code docs/operations.md} ("Permanent errors and their remediation", "Transient
 * failures with a hint"), which a test holds against this class. Immutable; one per service.
 */
final class Remediation {

    private final String client;
    private final String endpoint;
    private final String hostPort;
    private final String store;

    /**
     * @param clientId the client id, as the hints name it
     * @param endpoint the token endpoint
     * @param hostPort the endpoint's host and port, as the hints name them
     * @param store the credential store's {@code describe()}
     */
    Remediation(String clientId, String endpoint, String hostPort, String store) {
        this.client = "client '" + clientId + "'";
        this.endpoint = endpoint;
        this.hostPort = hostPort;
        this.store = store;
    }

    /** The hints of a service with this client id, token endpoint and store. */
    static Remediation forService(String clientId, URI endpoint, String store) {
        return new Remediation(clientId, endpoint.toString(), EndpointSettings.hostAndPort(endpoint), store);
    }

    /** {@code failure} with its hint attached (itself when it has none). */
    TokenFailure attachTo(TokenFailure failure) {
        return hint(failure).map(failure::withRemediation).orElse(failure);
    }

    Optional<String> hint(TokenFailure failure) {
        return failure.isTransient() ? transientHint(failure) : Optional.of(permanentHint(failure));
    }

    private String permanentHint(TokenFailure failure) {
        return switch (failure.origin()) {
            case ANSWER -> answer(failure);
            case TLS, NOT_TLS -> "check the TLS trust store and the token endpoint's certificate";
            case CLIENT_KEY -> "check the private key configured for " + client;
            case STORE -> "repair or rewrite the credential in " + store;
            // Only a replaced ErrorClassifier could make it permanent: the same hint as when transient.
            case GRANT_INPUT -> "check the source of the assertion or subject token of " + client + " (its file or supplier, "
                    + "or the subject's TokenService, whose own state says why)";
            case DISCOVERY -> "compare issuer(..) of " + client + " with the metadata " + endpoint + " serves: its issuer must be "
                    + "exactly the configured one, and its token_endpoint_auth_methods_supported must offer the client's method";
            // Only a replaced ErrorClassifier makes a network failure permanent.
            case TRANSPORT, CONNECT_REFUSED, UNKNOWN_HOST -> "check the network path to " + endpoint + " (DNS, proxy, firewall)";
        };
    }

    private String answer(TokenFailure failure) {
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

    /** A transient failure whose cause is most likely a setting: a wrong URL, a server that is down, a port mixed up. */
    private Optional<String> transientHint(TokenFailure failure) {
        return Optional.ofNullable(switch (failure.origin()) {
            case ANSWER -> failure.oauthError().isPresent() ? null : answerWithoutError(failure.httpStatus().orElse(0));
            case CONNECT_REFUSED -> "is the authorization server up at " + hostPort + "? The connection was refused: nothing "
                    + "listens on that port";
            case UNKNOWN_HOST -> "check the host name in the token endpoint URL " + endpoint + ": it does not resolve (DNS)";
            case NOT_TLS -> "https to a plain-HTTP port? " + hostPort + " answered the TLS handshake in plain text: use the "
                    + "server's TLS port, or http:// if it really serves plain HTTP (loopback, or allowInsecureHttp())";
            case GRANT_INPUT -> "check the source of the assertion or subject token of " + client + " (its file or supplier, "
                    + "or the subject's TokenService, whose own state says why)";
            case TRANSPORT, TLS, CLIENT_KEY, STORE, DISCOVERY -> null;
        });
    }

    private @Nullable String answerWithoutError(int status) {
        if (status == 404 || status == 405) {
            return "check the token endpoint URL " + endpoint + ": HTTP " + status + " means nothing takes token requests "
                    + "(POST) at that path; the server's discovery document names it as token_endpoint";
        }
        if (status == 401 || status == 403) {
            return "a gateway or WAF refused the request (HTTP " + status + " without an OAuth error, so not the "
                    + "authorization server): check its rules for " + endpoint + " (IP allow-list, required headers, "
                    + "client certificate) and the URL";
        }
        if (status >= 300 && status < 400) {
            return "the token endpoint URL " + endpoint + " redirects (HTTP " + status + "): configure the URL it redirects "
                    + "to; credentials are never sent to a redirect target";
        }
        if (status >= 200 && status < 300) {
            return "check the token endpoint URL " + endpoint + ": the HTTP " + status + " answer is not a token response "
                    + "(a web page, a captive portal or a proxy answered)";
        }
        return null;
    }
}
