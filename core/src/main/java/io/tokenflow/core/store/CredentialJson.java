package io.tokenflow.core.store;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenflow.core.AccessToken;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The credential file format, version 1: a JSON object with RFC 6749 names.
 *
 * <pre>{@code
 * {"version": 1, "access_token": "…", "token_type": "Bearer",
 *  "expires_at": "2026-11-22T15:00:00Z", "refresh_token": "…", "scope": "api.read api.write",
 *  "issued_at": "…", "refresh_token_rotated_at": "…", "token_endpoint": "https://…", "client_id": "…"}
 * }</pre>
 *
 * Only {@code version} and {@code access_token} are required; {@code token_type} defaults to
 * {@code Bearer}; times are ISO-8601 (an offset other than {@code Z} is accepted); other fields
 * become {@link Credential#extensions()} and are written back as they were (a top-level
 * {@code null} is dropped). Duplicate fields and trailing content are errors.
 */
final class CredentialJson {

    static final int VERSION = 1;

    private static final String VERSION_FIELD = "version";
    private static final String ACCESS_TOKEN = "access_token";
    private static final String TOKEN_TYPE = "token_type";
    private static final String EXPIRES_AT = "expires_at";
    private static final String REFRESH_TOKEN = "refresh_token";
    private static final String SCOPE = "scope";
    private static final String ISSUED_AT = "issued_at";
    private static final String ROTATED_AT = "refresh_token_rotated_at";
    private static final String TOKEN_ENDPOINT = "token_endpoint";
    private static final String CLIENT_ID = "client_id";

    static final Set<String> KNOWN_FIELDS = Set.of(VERSION_FIELD, ACCESS_TOKEN, TOKEN_TYPE, EXPIRES_AT, REFRESH_TOKEN,
            SCOPE, ISSUED_AT, ROTATED_AT, TOKEN_ENDPOINT, CLIENT_ID);

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private CredentialJson() {
    }

    /**
     * The file content for {@code credential}: UTF-8 JSON, indented, ending with a new line.
     *
     * @throws IllegalArgumentException when the credential has no access token (the format requires one)
     */
    static byte[] encode(Credential credential) {
        AccessToken token = credential.accessToken().orElseThrow(() -> new IllegalArgumentException(
                "a credential file holds an access token; this credential has none (only a refresh token)"));
        ObjectNode root = MAPPER.createObjectNode();
        root.put(VERSION_FIELD, VERSION);
        root.put(ACCESS_TOKEN, token.value());
        root.put(TOKEN_TYPE, token.tokenType());
        token.expiresAt().ifPresent(at -> root.put(EXPIRES_AT, at.toString()));
        credential.refreshToken().ifPresent(refresh -> root.put(REFRESH_TOKEN, refresh));
        if (!token.scopes().isEmpty()) {
            root.put(SCOPE, String.join(" ", new TreeSet<>(token.scopes())));
        }
        credential.issuedAt().ifPresent(at -> root.put(ISSUED_AT, at.toString()));
        credential.refreshTokenRotatedAt().ifPresent(at -> root.put(ROTATED_AT, at.toString()));
        credential.tokenEndpoint().ifPresent(uri -> root.put(TOKEN_ENDPOINT, uri.toString()));
        credential.clientId().ifPresent(id -> root.put(CLIENT_ID, id));
        credential.extensions().forEach((name, value) -> {
            if (!KNOWN_FIELDS.contains(name)) {
                root.set(name, MAPPER.valueToTree(value));
            }
        });
        try {
            byte[] json = MAPPER.writeValueAsBytes(root);
            byte[] withNewLine = new byte[json.length + 1];
            System.arraycopy(json, 0, withNewLine, 0, json.length);
            withNewLine[json.length] = '\n';
            return withNewLine;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a credential extension cannot be written as JSON: "
                    + e.getClass().getSimpleName(), null);
        }
    }

    /**
     * Reads the content of {@code file}.
     *
     * @throws CredentialFileException naming {@code file} and the problem (never the content)
     */
    static Credential decode(byte[] content, Path file) {
        return decode(content, problem -> CredentialFileException.invalid(file, problem));
    }

    /** How a caller names a problem of the content (never quoting it). */
    interface Invalid {
        RuntimeException of(String problem);
    }

    /**
     * Reads {@code content}.
     *
     * @param invalid makes the exception for a problem found
     */
    static Credential decode(byte[] content, Invalid invalid) {
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            throw invalid.of("the file is empty");
        }
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(content)) {
            root = MAPPER.readTree(parser);
            try {
                if (parser.nextToken() != null) {
                    throw invalid.of("there is content after the JSON object" + at(parser.currentLocation()));
                }
            } catch (JsonProcessingException trailing) {
                throw invalid.of("there is content after the JSON object" + at(trailing.getLocation()));
            }
        } catch (JsonProcessingException e) {
            throw invalid.of(describe(e));
        } catch (IOException e) {
            throw invalid.of("not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid.of("the content is not a JSON object");
        }
        checkVersion(root, invalid);
        String value = text(root, ACCESS_TOKEN, invalid);
        if (value == null) {
            throw invalid.of("the required field 'access_token' is missing");
        }
        String type = text(root, TOKEN_TYPE, invalid);
        AccessToken token = AccessToken.of(value, type == null ? "Bearer" : type, instant(root, EXPIRES_AT, invalid),
                scopes(text(root, SCOPE, invalid)));
        return Credential.builder()
                .accessToken(token)
                .refreshToken(text(root, REFRESH_TOKEN, invalid))
                .issuedAt(instant(root, ISSUED_AT, invalid))
                .refreshTokenRotatedAt(instant(root, ROTATED_AT, invalid))
                .tokenEndpoint(uri(root, TOKEN_ENDPOINT, invalid))
                .clientId(text(root, CLIENT_ID, invalid))
                .extensions(extensions(root))
                .build();
    }

    private static void checkVersion(JsonNode root, Invalid invalid) {
        JsonNode version = root.get(VERSION_FIELD);
        if (version == null || version.isNull()) {
            throw invalid.of("the required field 'version' is missing");
        }
        if (!version.isIntegralNumber()) {
            throw invalid.of("'version' must be a whole number");
        }
        if (!version.canConvertToInt() || version.intValue() != VERSION) {
            throw invalid.of("version " + version.bigIntegerValue()
                    + " is not supported (this tokenflow reads version " + VERSION + ")");
        }
    }

    /** A JSON parse failure and its position; Jackson's message is not used as it quotes the content. */
    private static String describe(JsonProcessingException e) {
        String original = e.getOriginalMessage();
        String what = original != null && original.startsWith("Duplicate field") ? "a field appears twice"
                : original != null && original.contains("end-of-input") ? "the JSON ends early (truncated)"
                : "not valid JSON";
        return what + at(e.getLocation());
    }

    private static String at(@Nullable JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static @Nullable String text(JsonNode root, String field, Invalid invalid) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalid.of("'" + field + "' must be a string");
        }
        if (node.textValue().isBlank()) {
            throw invalid.of("'" + field + "' is blank");
        }
        return node.textValue();
    }

    private static @Nullable Instant instant(JsonNode root, String field, Invalid invalid) {
        String text = text(root, field, invalid);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notUtc) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw invalid.of("'" + field + "' is not an ISO-8601 date-time with an offset, "
                        + "such as 2026-11-22T15:00:00Z");
            }
        }
    }

    private static @Nullable URI uri(JsonNode root, String field, Invalid invalid) {
        String text = text(root, field, invalid);
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            if (!uri.isAbsolute()) {
                throw new URISyntaxException(field, "not absolute");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw invalid.of("'" + field + "' is not an absolute URI");
        }
    }

    private static Set<String> scopes(@Nullable String scope) {
        Set<String> scopes = new LinkedHashSet<>();
        if (scope != null) {
            for (String s : scope.trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
        }
        return scopes;
    }

    private static Map<String, Object> extensions(JsonNode root) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (!KNOWN_FIELDS.contains(field.getKey()) && !field.getValue().isNull()) {
                extensions.put(field.getKey(), plain(field.getValue()));
            }
        }
        return extensions;
    }

    /** A JSON value as an unmodifiable String, Number, Boolean, List or Map (null inside a List or Map). */
    private static @Nullable Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, @Nullable Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<@Nullable Object> list = new ArrayList<>(node.size());
            node.forEach(element -> list.add(plain(element)));
            return Collections.unmodifiableList(list);
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        return null;
    }
}
