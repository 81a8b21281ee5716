package io.tokenflow.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/** A Server-Sent Events reader for tests: parses the real text the server sends. */
final class Sse {

    private Sse() {
    }

    /** One event block; a heartbeat is a block with a comment only. */
    record Event(@Nullable String id, @Nullable String event, @Nullable String data, List<String> comments) {

        boolean isState() {
            return "state".equals(event);
        }

        boolean isHeartbeat() {
            return event == null && data == null && comments.contains("heartbeat");
        }

        /** The "status" of the state JSON in {@code data}. */
        String status() {
            return field("status");
        }

        String name() {
            return field("name");
        }

        private String field(String key) {
            String marker = "\"" + key + "\":\"";
            int at = data == null ? -1 : data.indexOf(marker);
            if (at < 0) {
                throw new IllegalStateException("no " + key + " in " + data);
            }
            int start = at + marker.length();
            return data.substring(start, data.indexOf('"', start));
        }
    }

    /** The events of {@code GET url}, as they arrive. */
    static Flux<Event> events(HttpClient client, String url) {
        return Flux.defer(() -> client.get().uri(url)
                .responseContent()
                .asString(StandardCharsets.UTF_8)
                .concatMapIterable(new LineSplitter())
                .bufferUntil(String::isEmpty)
                .filter(block -> block.size() > 1 || !block.get(0).isEmpty())
                .map(Sse::parse));
    }

    static Event parse(List<String> lines) {
        String id = null;
        String event = null;
        StringBuilder data = null;
        List<String> comments = new ArrayList<>();
        for (String line : lines) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith(":")) {
                comments.add(line.substring(1).trim());
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> throw new IllegalStateException("unexpected SSE field: " + line);
            }
        }
        return new Event(id, event, data == null ? null : data.toString(), List.copyOf(comments));
    }

    /** Chunks in, complete lines out ('\n' or "\r\n"); keeps the partial last line for the next chunk. */
    private static final class LineSplitter implements Function<String, Iterable<String>> {

        private final StringBuilder pending = new StringBuilder();

        @Override
        public Iterable<String> apply(String chunk) {
            pending.append(chunk);
            List<String> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < pending.length(); i++) {
                if (pending.charAt(i) == '\n') {
                    int end = i > start && pending.charAt(i - 1) == '\r' ? i - 1 : i;
                    lines.add(pending.substring(start, end));
                    start = i + 1;
                }
            }
            pending.delete(0, start);
            return lines;
        }
    }
}
