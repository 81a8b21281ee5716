package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * One complete HTTP answer of the token endpoint, built before anything is written.
 *
 * @param headers extra headers besides {@code Content-Type} and {@code Content-Length}
 */
record Answer(int status, String contentType, Map<String, String> headers, byte[] body) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json;charset=UTF-8";
    /** RFC 6749 §5.1: token responses, successful or not, must not be cached. */
    private static final Map<String, String> NO_STORE =
            Map.of("Cache-Control", "no-store", "Pragma", "no-cache");

    /** A JSON answer with {@code Cache-Control: no-store}; {@code fields} keep their order. */
    static Answer json(int status, Map<String, ?> fields) {
        return json(status, fields, NO_STORE);
    }

    /** An RFC 6749 §5.2 error: 400 with {@code {"error": code}}. */
    static Answer oauthError(String code) {
        return json(400, Map.of("error", code));
    }

    /** RFC 6749 §5.2 {@code invalid_client}: 401 with a Basic challenge. */
    static Answer invalidClient() {
        return json(
                401,
                Map.of("error", "invalid_client"),
                Map.of("Cache-Control", "no-store", "Pragma", "no-cache",
                        "WWW-Authenticate", "Basic realm=\"oauth2\""));
    }

    static Answer text(int status, String contentType, String body, Map<String, String> headers) {
        return new Answer(status, contentType, headers, body.getBytes(UTF_8));
    }

    private static Answer json(int status, Map<String, ?> fields, Map<String, String> headers) {
        try {
            return new Answer(status, JSON_TYPE, headers, JSON.writeValueAsBytes(fields));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
