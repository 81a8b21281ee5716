package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends one built token request with Reactor Netty and reads the answer, capped: a declared
 * {@code Content-Length} over the cap is not read at all, a streamed body is cut as soon as it
 * passes it. Redirects are never followed. Knows nothing of OAuth: what the answer means is
 * {@link AnswerParser}'s to say.
 */
final class TokenPost {

    private final int maxResponseBytes;
    /** tokenflow's own pool; null when the user gave an {@code HttpClient} (whose pool is theirs). */
    private final @Nullable ConnectionProvider connections;
    private final HttpClient http;

    TokenPost(EndpointSettings settings) {
        this.maxResponseBytes = settings.maxResponseBytes();
        HttpClient base = settings.httpClient();
        // Token requests are rare: idle connections are closed well before a server would drop
        // them, so a refresh an hour later never trips over a stale pooled connection.
        this.connections = base != null ? null : ConnectionProvider.builder("tokenflow")
                .maxConnections(4)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
        HttpClient client = connections != null ? HttpClient.create(connections) : base;
        this.http = client
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .responseTimeout(settings.responseTimeout())
                // At init for HTTP/1.1 and TLS; at each request for a codec that ALPN put in place later, and
                // for an HTTP/2 stream (its own channel, which init and connect never see).
                .doOnChannelInit((observer, channel, remote) -> guard(channel.pipeline()))
                .doOnRequest((request, connection) -> guard(connection.channel().pipeline()));
    }

    /** POSTs {@code request}; one answer per subscription. Errors only for a failure before a complete answer. */
    Mono<Answer> send(HTTPRequest request) {
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes(StandardCharsets.UTF_8);
        return http
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
                .response((response, content) -> {
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
                })
                .next();
    }

    /** The handlers that keep what Netty quotes of the server's bytes out of errors and logs. */
    private static void guard(ChannelPipeline pipeline) {
        PlainTextAnswer.guard(pipeline);
        UnreadableAnswer.guard(pipeline);
    }

    int maxResponseBytes() {
        return maxResponseBytes;
    }

    /** Closes tokenflow's own pool (never the user's). */
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
