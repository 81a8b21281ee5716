package io.tokenflow.benchmarks;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.SimpleTokenCache;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.implementation.AccessTokenCache;
import java.time.OffsetDateTime;

/**
 * The Azure peer: {@code azure-core}'s {@link AccessTokenCache} (what its HTTP pipeline's bearer
 * policy caches tokens with) and {@link SimpleTokenCache}, over a {@link TokenCredential} that
 * makes the {@link BarePost} token request.
 */
final class AzurePeer {

    /** What the cache asks for; no claims: a cached token is served. */
    static final TokenRequestContext CONTEXT = new TokenRequestContext().addScopes("api.read");

    private AzurePeer() {
    }

    static TokenCredential credential(BarePost post) {
        return context -> post.fetch().map(t -> new AccessToken(t.value(), OffsetDateTime.now().plusSeconds(t.expiresInSeconds())));
    }

    static AccessTokenCache cache(BarePost post) {
        return new AccessTokenCache(credential(post));
    }

    static SimpleTokenCache simpleCache(BarePost post) {
        TokenCredential credential = credential(post);
        return new SimpleTokenCache(() -> credential.getToken(CONTEXT));
    }
}
