package io.tokenflow.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The variants of one service ({@link TokenService#forScopes}, {@link TokenService#forAudience}):
 * services of the same client, endpoint, scheduler, retry policy and connections that ask for
 * other scopes or another audience, each with its own token, cache and single flight. Made on
 * first request and kept, so asking again returns the same service; disposed with the service.
 * Thread-safe.
 */
final class Variants {

    /** What a variant asks for differently: the kind of change and its values. */
    private record Key(String kind, List<String> values) {
    }

    private final Recipe recipe;
    private volatile @Nullable Map<Key, TokenService> made;
    private volatile boolean disposed;

    Variants(Recipe recipe) {
        this.recipe = recipe;
    }

    TokenService forScopes(String... scopes) {
        List<String> values = List.of(scopes);
        EndpointSettings wire = recipe.wire().withOnlyScopes(scopes);
        return variant(new Key("scopes", values.stream().distinct().sorted().toList()), () -> wire);
    }

    TokenService forAudience(String audience) {
        EndpointSettings wire = recipe.wire().withParameter("audience", EndpointSettings.requireText("audience", audience));
        return variant(new Key("audience", List.of(audience)), () -> wire);
    }

    private TokenService variant(Key key, Supplier<EndpointSettings> wire) {
        if (recipe.override() != null) {
            throw new IllegalStateException("a service with a test wire has no variants");
        }
        if (recipe.wire().clientAuth() instanceof ClientAuth.Public) {
            throw new IllegalStateException("client '" + recipe.wire().clientAuth().clientId() + "' is a public client: a variant "
                    + "would need its refresh token, which stays the service's own; variants need a client that authenticates itself");
        }
        if (disposed) {
            throw new IllegalStateException("the service is disposed");
        }
        Map<Key, TokenService> map = made();
        TokenService variant = map.compute(key, (k, old) -> old != null && !old.isDisposed() ? old
                : TokenService.start(recipe.variant(wire.get())));
        if (disposed) {
            // Disposed while this one was made: it must not outlive the service.
            variant.dispose();
        }
        return variant;
    }

    private Map<Key, TokenService> made() {
        Map<Key, TokenService> m = made;
        if (m == null) {
            synchronized (this) {
                m = made;
                if (m == null) {
                    m = new ConcurrentHashMap<>();
                    made = m;
                }
            }
        }
        return m;
    }

    /** Disposes every variant made, and any made from now on. */
    void dispose() {
        disposed = true;
        Map<Key, TokenService> m = made;
        if (m != null) {
            m.values().forEach(TokenService::dispose);
        }
    }
}
