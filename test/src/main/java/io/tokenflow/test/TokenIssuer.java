package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URLDecoder;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The token endpoint's logic for a healthy server, without HTTP plumbing: parses an
 * {@code application/x-www-form-urlencoded} request, authenticates the client and runs the
 * {@code client_credentials} or {@code refresh_token} grant. Thread-safe; never blocks.
 *
 * <p>The server has no scope policy: any requested scope is granted and echoed back.
 */
final class TokenIssuer {

    private static final String FORM_TYPE = "application/x-www-form-urlencoded";
    private static final String BASIC = "Basic ";

    /** Confidential client id to its secret as UTF-8 bytes. */
    private final Map<String, byte[]> secrets;
    private final Set<String> publicClients;
    private final Set<String> refreshGrantRefused;
    private final boolean refreshTokensForClientCredentials;
    private final TokenRegistry registry;
    private final DpopCheck dpop;

    /**
     * @param clients confidential client ids and their secrets
     * @param publicClients ids of clients without a secret (RFC 6749 §2.1), disjoint from {@code clients}
     * @param refreshGrantRefused clients whose refresh_token grant is answered {@code unauthorized_client}
     */
    TokenIssuer(Map<String, String> clients, Set<String> publicClients, Set<String> refreshGrantRefused,
            boolean refreshTokensForClientCredentials, TokenRegistry registry, DpopCheck dpop) {
        Map<String, byte[]> bytes = new HashMap<>();
        clients.forEach((id, secret) -> bytes.put(id, secret.getBytes(UTF_8)));
        this.secrets = Map.copyOf(bytes);
        this.publicClients = Set.copyOf(publicClients);
        this.refreshGrantRefused = Set.copyOf(refreshGrantRefused);
        this.refreshTokensForClientCredentials = refreshTokensForClientCredentials;
        this.registry = registry;
        this.dpop = dpop;
    }

    boolean isClient(String clientId) {
        return secrets.containsKey(clientId) || publicClients.contains(clientId);
    }

    boolean hasPublicClients() {
        return !publicClients.isEmpty();
    }

    /** True if the request is a well-formed form whose {@code grant_type} is {@code refresh_token}. */
    static boolean isRefreshGrant(@Nullable String contentType, String body) {
        if (contentType == null || !FORM_TYPE.equals(mediaType(contentType))) {
            return false;
        }
        Map<String, String> form = parseForm(body);
        return form != null && "refresh_token".equals(form.get("grant_type"));
    }

    /**
     * @param contentType the request's {@code Content-Type}, null if absent
     * @param authorization the request's {@code Authorization} header, null if absent
     * @param body the request body, decoded as UTF-8
     * @param dpopKey the thumbprint of the key a valid DPoP proof of the request proved; null for none (a Bearer token)
     */
    Answer answer(@Nullable String contentType, @Nullable String authorization, String body, @Nullable String dpopKey) {
        if (contentType == null || !FORM_TYPE.equals(mediaType(contentType))) {
            return Answer.oauthError("invalid_request");
        }
        Map<String, String> form = parseForm(body);
        if (form == null) {
            return Answer.oauthError("invalid_request");
        }
        boolean basic = authorization != null
                && authorization.regionMatches(true, 0, BASIC, 0, BASIC.length());
        if (basic && form.containsKey("client_secret")) {
            // RFC 6749 §2.3: a client must not use more than one authentication method.
            return Answer.oauthError("invalid_request");
        }
        String clientId = basic
                ? authenticateBasic(authorization.substring(BASIC.length()).trim(), form.get("client_id"))
                : authenticate(form.get("client_id"), form.get("client_secret"));
        if (clientId == null) {
            return Answer.invalidClient();
        }
        String grantType = form.get("grant_type");
        if (grantType == null) {
            return Answer.oauthError("invalid_request");
        }
        Answer answer = switch (grantType) {
            case "client_credentials" -> clientCredentialsGrant(clientId, form);
            case "refresh_token" -> refreshTokenGrant(clientId, form);
            default -> Answer.oauthError("unsupported_grant_type");
        };
        return dpopKey == null || answer.status() != 200 ? answer : bound(answer, dpopKey);
    }

    /** RFC 9449 §5: the token is bound to the proof's key and its type is {@code DPoP}. */
    private Answer bound(Answer issued, String dpopKey) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode json =
                    (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(issued.body());
            json.put("token_type", "DPoP");
            dpop.bind(json.path("access_token").asText(), dpopKey);
            return new Answer(issued.status(), issued.contentType(), issued.headers(), json.toString().getBytes(UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Answer clientCredentialsGrant(String clientId, Map<String, String> form) {
        if (publicClients.contains(clientId)) {
            // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
            return Answer.oauthError("unauthorized_client");
        }
        return success(registry.clientCredentials(clientId, form.get("scope"), refreshTokensForClientCredentials));
    }

    private Answer refreshTokenGrant(String clientId, Map<String, String> form) {
        if (refreshGrantRefused.contains(clientId)) {
            return Answer.oauthError("unauthorized_client");
        }
        String refreshToken = form.get("refresh_token");
        if (refreshToken == null) {
            return Answer.oauthError("invalid_request");
        }
        TokenRegistry.Issued issued = registry.redeem(clientId, refreshToken, form.get("scope"));
        return issued == null ? Answer.oauthError("invalid_grant") : success(issued);
    }

    private static Answer success(TokenRegistry.Issued issued) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("access_token", issued.accessToken());
        fields.put("token_type", "Bearer");
        fields.put("expires_in", issued.expiresInSeconds());
        if (issued.scope() != null) {
            fields.put("scope", issued.scope());
        }
        if (issued.refreshToken() != null) {
            fields.put("refresh_token", issued.refreshToken());
        }
        return Answer.json(200, fields);
    }

    /**
     * {@code client_secret_basic}: RFC 6749 §2.3.1 form-urlencodes id and secret before Base64.
     *
     * @param formClientId a {@code client_id} body parameter, which must then name the same client
     * @return the authenticated client id, or null
     */
    private @Nullable String authenticateBasic(String credentials, @Nullable String formClientId) {
        String[] idAndSecret = decodeBasic(credentials);
        if (idAndSecret == null || (formClientId != null && !formClientId.equals(idAndSecret[0]))) {
            return null;
        }
        return authenticate(idAndSecret[0], idAndSecret[1]);
    }

    /**
     * @return {@code id} if it names a confidential client with this {@code secret}, or a public
     *     client and {@code secret} is null; else null
     */
    private @Nullable String authenticate(@Nullable String id, @Nullable String secret) {
        if (id == null) {
            return null;
        }
        if (secret == null) {
            return publicClients.contains(id) ? id : null;
        }
        byte[] expected = secrets.get(id);
        // Constant-time comparison, so the demo does not teach a timing leak.
        if (expected == null || !MessageDigest.isEqual(expected, secret.getBytes(UTF_8))) {
            return null;
        }
        return id;
    }

    /** @return {id, secret}, or null if the credentials are not valid Basic credentials */
    private static String @Nullable [] decodeBasic(String credentials) {
        try {
            String decoded = new String(Base64.getDecoder().decode(credentials), UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return null;
            }
            return new String[] {
                URLDecoder.decode(decoded.substring(0, colon), UTF_8),
                URLDecoder.decode(decoded.substring(colon + 1), UTF_8)
            };
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Parses a form body. Parameters without a value count as absent (RFC 6749 §3.1).
     *
     * @return the parameters, or null if an escape is malformed or a parameter is repeated
     */
    private static @Nullable Map<String, String> parseForm(String body) {
        Map<String, String> form = new HashMap<>();
        if (body.isEmpty()) {
            return form;
        }
        try {
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
                if (value.isEmpty()) {
                    continue;
                }
                if (form.put(name, value) != null) {
                    return null;
                }
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return form;
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return type.trim().toLowerCase(Locale.ROOT);
    }
}
