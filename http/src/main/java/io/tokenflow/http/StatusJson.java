package io.tokenflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenflow.core.TokenFailure;
import io.tokenflow.core.WorkloadState;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The JSON of {@link StatusRoutes}. Every key is always present; an absent value is {@code null};
 * instants are ISO-8601 UTC strings ({@code 2026-11-22T15:00:00Z}). Built from
 * {@link WorkloadState}, which holds no token or secret.
 */
final class StatusJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        // Jackson makes its serializers on first use under a lock: make them here, once, so that two
        // event loops answering their first /status at once do not park on that lock (BlockHound).
        try {
            MAPPER.writeValueAsString(MAPPER.createArrayNode().add(MAPPER.createObjectNode().put("warm", 1).putNull("up")));
        } catch (JsonProcessingException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    private StatusJson() {
    }

    /** A service's state as it was read at one moment. */
    record Named(String name, WorkloadState state) {
    }

    /**
     * <pre>{@code
     * {"name": "orders", "status": "AUTH_RETRYING", "since": "...", "tokenExpiresAt": null,
     *  "lastFailure": {"kind": "TRANSIENT", "httpStatus": 503, "oauthError": null, "message": "...", "remediation": null},
     *  "nextAttemptAt": "...", "consecutiveFailures": 3}
     * }</pre>
     */
    static ObjectNode state(Named named) {
        WorkloadState s = named.state();
        ObjectNode node = MAPPER.createObjectNode();
        node.put("name", named.name());
        node.put("status", s.status().name());
        node.put("since", s.since().toString());
        node.put("tokenExpiresAt", instant(s.tokenExpiresAt()));
        Optional<TokenFailure> failure = s.lastFailure();
        if (failure.isPresent()) {
            TokenFailure f = failure.get();
            ObjectNode lastFailure = node.putObject("lastFailure");
            lastFailure.put("kind", f.kind().name());
            if (f.httpStatus().isPresent()) {
                lastFailure.put("httpStatus", f.httpStatus().getAsInt());
            } else {
                lastFailure.putNull("httpStatus");
            }
            lastFailure.put("oauthError", f.oauthError().orElse(null));
            lastFailure.put("message", f.message());
            lastFailure.put("remediation", f.remediation().orElse(null));
        } else {
            node.putNull("lastFailure");
        }
        node.put("nextAttemptAt", instant(s.nextAttemptAt()));
        node.put("consecutiveFailures", s.consecutiveFailures());
        return node;
    }

    /** One line: fit for an SSE {@code data:} field. */
    static String line(Named named) {
        return write(state(named));
    }

    /** {@code [state, ...]} */
    static String array(List<Named> states) {
        ArrayNode array = MAPPER.createArrayNode();
        states.forEach(named -> array.add(state(named)));
        return write(array);
    }

    /** {@code {"healthy": false, "down": ["orders"], "services": [state, ...]}}: {@code down} names the services that hand out no token. */
    static String health(boolean healthy, List<Named> states) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("healthy", healthy);
        ArrayNode down = node.putArray("down");
        states.stream().filter(named -> !named.state().status().servesTokens()).forEach(named -> down.add(named.name()));
        ArrayNode services = node.putArray("services");
        states.forEach(named -> services.add(state(named)));
        return write(node);
    }

    /** {@code {"error": "no service named 'x'", "services": ["orders", ...]}} */
    static String unknown(String name, List<String> known) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("error", "no service named '" + name + "'");
        ArrayNode services = node.putArray("services");
        known.forEach(services::add);
        return write(node);
    }

    private static String instant(Optional<Instant> instant) {
        return instant.map(Instant::toString).orElse(null);
    }

    private static String write(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            // A tree of strings and numbers always serializes.
            throw new UncheckedIOException(e);
        }
    }
}
