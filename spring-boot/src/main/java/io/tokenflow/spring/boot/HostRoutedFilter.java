package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenServices;
import io.tokenflow.http.TokenExchangeFilter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * One {@code WebClient} filter for every client: a request to one of a client's {@code hosts} goes
 * through that client's {@link TokenExchangeFilter} (its token, fast fail, one retry on
 * {@code invalid_token}); a request to any other host is passed on untouched, and no token service is
 * asked. Hosts match exactly, case-insensitively, any port. Immutable and thread-safe.
 */
final class HostRoutedFilter implements ExchangeFilterFunction {

    private final Map<String, TokenExchangeFilter> byHost;

    private HostRoutedFilter(Map<String, TokenExchangeFilter> byHost) {
        this.byHost = Collections.unmodifiableMap(byHost);
    }

    /**
     * The filter of every declared client's {@code hosts}, each with the service of the same name.
     *
     * @throws TokenflowPropertyException for a host that is not a bare host name, a host of two clients,
     *     or a client that {@code services} does not have
     */
    static HostRoutedFilter of(TokenflowClients clients, TokenServices services) {
        Map<String, TokenExchangeFilter> byHost = new LinkedHashMap<>();
        Map<String, String> owners = new LinkedHashMap<>();
        clients.asMap().forEach((name, declaration) -> {
            List<String> hosts = declaration.client().hosts();
            if (hosts == null || hosts.isEmpty()) {
                return;
            }
            String property = declaration.property("hosts");
            if (!services.asMap().containsKey(name)) {
                throw TokenflowPropertyException.invalid(property, "the TokenServices bean has no client named '" + name
                        + "'; its clients are " + services.asMap().keySet());
            }
            TokenExchangeFilter filter;
            try {
                filter = TokenExchangeFilter.forHosts(services.get(name), hosts.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw TokenflowPropertyException.refused(property, e);
            }
            for (String host : hosts) {
                String key = host.toLowerCase(Locale.ROOT);
                String owner = owners.putIfAbsent(key, name);
                if (owner != null && !owner.equals(name)) {
                    throw TokenflowPropertyException.invalid(property, "host '" + host + "' is client '" + owner
                            + "''s already; a host gets the token of one client only");
                }
                byHost.put(key, filter);
            }
        });
        return new HostRoutedFilter(byHost);
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        TokenExchangeFilter route = route(request.url().getHost());
        return route == null ? next.exchange(request) : route.filter(request, next);
    }

    private @Nullable TokenExchangeFilter route(@Nullable String host) {
        return host == null ? null : byHost.get(host.toLowerCase(Locale.ROOT));
    }

    /** Whether any client has hosts (else the filter is not worth adding). */
    boolean routesAny() {
        return !byHost.isEmpty();
    }

    @Override
    public String toString() {
        return "HostRoutedFilter" + byHost;
    }
}
