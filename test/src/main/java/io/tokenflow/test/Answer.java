package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.UncheckedIOException;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One complete HTTP answer of the server, built before anything is written.
 *
 * @param headers extra headers besides {@code Content-Type} and {@code Content-Length}, in order
 */
record Answer(int status, String contentType, Map<String, String> headers, byte[] body) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json;charset=UTF-8";
    static final String PLAIN_TYPE = "text/plain;charset=UTF-8";
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

    /** A JSON answer that may be cached (discovery metadata). */
    static Answer publicJson(Map<String, ?> fields) {
        return json(200, fields, Map.of());
    }

    static Answer notFound() {
        return text(404, PLAIN_TYPE, "Not Found", Map.of());
    }

    /** 405 with an {@code Allow} header naming the one method the path serves. */
    static Answer methodNotAllowed(HttpMethod allowed) {
        return text(405, PLAIN_TYPE, "Method Not Allowed", Map.of("Allow", allowed.name()));
    }

    /** This answer with one more header (replacing one of the same name). */
    Answer withHeader(String name, String value) {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put(name, value);
        return new Answer(status, contentType, all, body);
    }

    /** Writes the whole answer; subscribe to send it. */
    Publisher<Void> writeTo(HttpServerResponse response) {
        response.status(HttpResponseStatus.valueOf(status))
                .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
        headers.forEach(response::header);
        return response.sendByteArray(Mono.just(body));
    }

    private static Answer json(int status, Map<String, ?> fields, Map<String, String> headers) {
        try {
            return new Answer(status, JSON_TYPE, headers, JSON.writeValueAsBytes(fields));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
