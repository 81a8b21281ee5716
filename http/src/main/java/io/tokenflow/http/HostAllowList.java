package io.tokenflow.http;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The hosts a token may be sent to: a fixed set, or any host when opened on purpose.
 *
 * <p>Matching is on the host alone, exact and case-insensitive: no port, no scheme, no
 * wildcard, no subdomains ({@code api.example.com} does not allow {@code eu.api.example.com}).
 * An IPv6 literal may be given with or without brackets; one trailing dot is ignored on both
 * sides. Immutable.
 */
final class HostAllowList {

    private static final HostAllowList ANY = new HostAllowList(null);

    /** Normalized hosts; {@code null}: any host. */
    private final @Nullable Set<String> hosts;

    private HostAllowList(@Nullable Set<String> hosts) {
        this.hosts = hosts;
    }

    static HostAllowList any() {
        return ANY;
    }

    /**
     * @throws IllegalArgumentException when no host is given, or one is blank, has a port, a
     *     scheme, a path or a wildcard
     */
    static HostAllowList of(String... hosts) {
        Objects.requireNonNull(hosts, "hosts");
        if (hosts.length == 0) {
            throw new IllegalArgumentException("no hosts given: name the hosts that may receive the token, "
                    + "or use anyHost(..) to send it to every host on purpose");
        }
        Set<String> normalized = new LinkedHashSet<>();
        for (String host : hosts) {
            normalized.add(validate(host));
        }
        return new HostAllowList(Collections.unmodifiableSet(normalized));
    }

    /** Whether a request to {@code host} may carry the token; a request without a host never may, unless any host may. */
    boolean allows(@Nullable String host) {
        Set<String> allowed = hosts;
        if (allowed == null) {
            return true;
        }
        return host != null && !host.isEmpty() && allowed.contains(normalize(host));
    }

    private static String validate(@Nullable String host) {
        Objects.requireNonNull(host, "host");
        String h = host.trim();
        if (h.isEmpty()) {
            throw new IllegalArgumentException("a host must not be blank");
        }
        if (h.contains("*")) {
            throw new IllegalArgumentException("'" + host + "': wildcards are not supported; name each host, "
                    + "or use anyHost(..) to send the token to every host on purpose");
        }
        if (h.contains("/") || h.contains("@") || h.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + host + "' is not a host name: give the host only, "
                    + "without scheme, user info or path");
        }
        // An IPv6 literal has two colons or more; "host:port" has one; "[::1]:443" ends after the bracket.
        boolean hasPort = h.startsWith("[") ? !h.endsWith("]") : h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':');
        if (hasPort) {
            throw new IllegalArgumentException("'" + host + "' has a port: give the host only, any port matches");
        }
        String normalized = normalize(h);
        if (normalized.isEmpty()) {
            throw new IllegalArgumentException("a host must not be blank");
        }
        return normalized;
    }

    /** Lower case, no IPv6 brackets, no trailing dot. */
    static String normalize(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return hosts == null ? "any host" : String.join(", ", hosts);
    }
}
