package io.tokenflow.benchmarks;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.OAuth2Credentials;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import org.jspecify.annotations.Nullable;

/**
 * The Google peer: {@code google-auth-library-oauth2-http}'s {@link OAuth2Credentials}, whose
 * {@code refreshAccessToken()} makes the {@link BarePost} token request (blocking, as the library
 * expects: it runs on the caller's thread, or on the executor given to the asynchronous
 * {@code getRequestMetadata}, which joins every caller to one refresh).
 */
final class GooglePeer extends OAuth2Credentials {

    private static final long serialVersionUID = 1L;

    private final transient BarePost post;

    GooglePeer(BarePost post, @Nullable AccessToken held) {
        super(held);
        this.post = post;
    }

    @Override
    public AccessToken refreshAccessToken() throws IOException {
        BarePost.Token token = post.fetch().block(Duration.ofSeconds(30));
        if (token == null) {
            throw new IOException("no token");
        }
        return new AccessToken(token.value(), new Date(System.currentTimeMillis() + token.expiresInSeconds() * 1000));
    }

    /** A token that expired an hour ago: the next caller refreshes. */
    static AccessToken expired() {
        return new AccessToken("expired", new Date(System.currentTimeMillis() - 3_600_000));
    }
}
