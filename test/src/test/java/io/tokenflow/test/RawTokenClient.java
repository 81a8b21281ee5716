package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.time.Duration;
import java.util.Base64;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * A recording client of the token endpoint over real loopback HTTP: every call opens a new
 * connection, sends exactly the given bytes and headers, and returns the whole answer.
 */
final class RawTokenClient {

    static final Duration WAIT = Duration.ofSeconds(5);
    static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newConnection();
    private final URI endpoint;

    RawTokenClient(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** The answer of one request. */
    record Reply(int status, HttpHeaders headers, String body) {

        @Nullable String header(CharSequence name) {
            return headers.get(name);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        /** A top-level field of the JSON body as text, null if absent. */
        @Nullable String field(String name) {
            JsonNode field = json().get(name);
            return field == null ? null : field.asText();
        }

        @Nullable String error() {
            return field("error");
        }
    }

    /** POSTs a form with {@code client_secret_basic}. */
    Reply postBasic(String clientId, String secret, String form) {
        return post(basic(clientId, secret), form);
    }

    /** POSTs a form with {@code client_secret_basic}; subscribe to send it. */
    Mono<Reply> postBasicAsync(String clientId, String secret, String form) {
        return sendAsync(HttpMethod.POST, endpoint, FORM, basic(clientId, secret), form);
    }

    /** POSTs a form with no {@code Authorization} header ({@code client_secret_post} or none). */
    Reply post(String form) {
        return post(null, form);
    }

    /** POSTs a form with this {@code Authorization} header, none if null. */
    Reply post(@Nullable String authorization, String form) {
        return send(HttpMethod.POST, endpoint, FORM, authorization, form);
    }

    /** Sends a request asynchronously; subscribe to send it. */
    Mono<Reply> sendAsync(
            HttpMethod method,
            URI uri,
            @Nullable String contentType,
            @Nullable String authorization,
            String body) {
        return http
                .headers(h -> {
                    if (contentType != null) {
                        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
                    }
                    if (authorization != null) {
                        h.set(HttpHeaderNames.AUTHORIZATION, authorization);
                    }
                })
                .request(method)
                .uri(uri)
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.asString(UTF_8).defaultIfEmpty("")
                        .map(text -> new Reply(response.status().code(), response.responseHeaders(), text)));
    }

    /** Sends a request and waits at most {@link #WAIT} for the whole answer. */
    Reply send(
            HttpMethod method,
            URI uri,
            @Nullable String contentType,
            @Nullable String authorization,
            String body) {
        return sendAsync(method, uri, contentType, authorization, body).block(WAIT);
    }

    /** {@code client_secret_basic} as RFC 6749 §2.3.1 defines it: form-urlencode, then Base64. */
    static String basic(String clientId, String secret) {
        String pair = URLEncoder.encode(clientId, UTF_8) + ":" + URLEncoder.encode(secret, UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(UTF_8));
    }

    /** An {@code application/x-www-form-urlencoded} body from name, value, name, value, ... */
    static String form(String... namesAndValues) {
        StringJoiner form = new StringJoiner("&");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            form.add(URLEncoder.encode(namesAndValues[i], UTF_8)
                    + "=" + URLEncoder.encode(namesAndValues[i + 1], UTF_8));
        }
        return form.toString();
    }
}
