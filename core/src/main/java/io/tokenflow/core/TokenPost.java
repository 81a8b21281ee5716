package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends one built token request with Reactor Netty and reads the answer, capped: a declared
 * {@code Content-Length} over the cap is not read at all, a streamed body is cut as soon as it
 * passes it. Redirects are never followed. Knows nothing of OAuth: what the answer means is
 * {@link AnswerParser}'s to say. Its connections are a {@link Transport}'s, shared with other
 * services, or the user's {@code HttpClient}'s; only a client with a TLS identity of its own (mTLS)
 * has a pool of its own, on the transport's event loops.
 */
final class TokenPost {

    private final int maxResponseBytes;
    /** This service's own pool (a TLS identity of its own, on the transport's loops); null when shared or the user's. */
    private final @Nullable ConnectionProvider connections;
    /** The client to send with: at once, or once its own TLS identity is ready. */
    private final Mono<HttpClient> http;

    /**
     * @param transport the shared connections to send with, unless the user gave an {@code HttpClient}
     *     (whose pool is theirs: it is configured once, for this service)
     */
    TokenPost(EndpointSettings settings, Transport transport) {
        this.maxResponseBytes = settings.maxResponseBytes();
        HttpClient own = settings.httpClient();
        ClientTls tls = settings.binding().tls();
        // A client certificate is this client's alone: its connections are never pooled with other services'.
        this.connections = own == null && tls != null ? Transport.ownPool("tokenflow-mtls") : null;
        HttpClient configured = own != null
                ? Transport.configure(own, settings.connectTimeout(), settings.responseTimeout())
                : connections != null
                        ? transport.client(connections, settings.connectTimeout(), settings.responseTimeout())
                        : transport.client(settings.connectTimeout(), settings.responseTimeout());
        // A client with a TLS identity of its own (a client certificate, its own trust) secures
        // its connections with it; the SslContext is built off the event loop, once.
        this.http = tls == null ? Mono.just(configured) : tls.secure(configured);
    }

    /** POSTs {@code request}; one answer per subscription. Errors only for a failure before a complete answer. */
    Mono<Answer> send(HTTPRequest request) {
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes(StandardCharsets.UTF_8);
        return http.flatMap(client -> client
                .headers(h -> {
                    for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
                        h.set(header.getKey(), header.getValue());
                    }
                    h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    h.set(HttpHeaderNames.ACCEPT, "application/json");
                })
                .post()
                .uri(request.getURI())
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .response(this::read)
                .next());
    }

    /**
     * GETs {@code uri} with {@code Accept: application/json} (discovery metadata), read as
     * {@link #send} reads: capped, no redirect followed. One answer per subscription.
     */
    Mono<Answer> get(URI uri) {
        return http.flatMap(client -> client
                .headers(h -> h.set(HttpHeaderNames.ACCEPT, "application/json"))
                .get()
                .uri(uri)
                .response(this::read)
                .next());
    }

    /** The answer, its body capped: a declared length over the cap is not read, a streamed one is cut. */
    private Mono<Answer> read(HttpClientResponse response, ByteBufFlux content) {
        int status = response.status().code();
        HttpHeaders headers = response.responseHeaders();
        long declared = contentLength(headers);
        if (declared > maxResponseBytes) {
            // Not subscribing to the content: Reactor Netty closes the connection unread.
            return Mono.just(Answer.oversized(status, headers, "declared " + declared + " bytes"));
        }
        return content.asByteArray()
                .collect(() -> new CappedBody(maxResponseBytes), CappedBody::append)
                // Failing the collect cancels the body: the connection is closed, not drained.
                .map(capped -> new Answer(status, headers, capped.text(), null))
                .onErrorResume(BodyTooLarge.class,
                        e -> Mono.just(Answer.oversized(status, headers, "more than " + maxResponseBytes + " bytes")));
    }

    int maxResponseBytes() {
        return maxResponseBytes;
    }

    /** Closes this service's own pool (never the transport's, never the user's). */
    void dispose() {
        if (connections != null) {
            connections.disposeLater().subscribe(null, e -> { });
        }
    }

    private static long contentLength(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException unreadable) {
            return -1;
        }
    }

    /**
     * One complete answer of the token endpoint.
     *
     * @param body the body as UTF-8 text; empty when {@code oversized}
     * @param oversized why the body was not read (over the cap); {@code null} when it was
     */
    record Answer(int status, HttpHeaders headers, String body, @Nullable String oversized) {

        static Answer oversized(int status, HttpHeaders headers, String detail) {
            return new Answer(status, headers, "", detail);
        }

        @Nullable String header(CharSequence name) {
            return headers.get(name);
        }
    }

    /** Accumulates a response body and fails as soon as it passes the cap. */
    private static final class CappedBody {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        private final int max;

        CappedBody(int max) {
            this.max = max;
        }

        void append(byte[] chunk) {
            if (bytes.size() + chunk.length > max) {
                throw new BodyTooLarge();
            }
            bytes.write(chunk, 0, chunk.length);
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }
}
