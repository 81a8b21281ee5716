package io.tokenflow.core;

import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.token.Token;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import java.net.URI;
import java.text.ParseException;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * The grant a client uses when it holds no refresh token (or the one it holds is refused):
 * {@code client_credentials} (RFC 6749 §4.4), {@code jwt-bearer} (RFC 7523 §2.1) or token
 * exchange (RFC 8693). The grant's input (an assertion, a subject token) is fetched fresh for
 * every request.
 */
sealed interface OwnGrant {

    /** The grant for one request; lazy. An input that cannot be had errors with {@link GrantInputException}. */
    Mono<AuthorizationGrant> grant();

    /** The {@code resource} parameters of the request (RFC 8707); none by default. */
    default List<URI> resources() {
        return List.of();
    }

    /**
     * Whether the grant authenticates the client by itself (an assertion or a subject token), so
     * that a client without a secret or key may use it.
     */
    default boolean needsNoClientSecret() {
        return true;
    }

    /** The grant's name, as RFC 6749 {@code grant_type} spells it (short form). */
    String name();

    record ClientCredentials() implements OwnGrant {
        static final ClientCredentials INSTANCE = new ClientCredentials();

        @Override
        public Mono<AuthorizationGrant> grant() {
            return Mono.just(new ClientCredentialsGrant());
        }

        @Override
        public boolean needsNoClientSecret() {
            return false;
        }

        @Override
        public String name() {
            return "client_credentials";
        }
    }

    /** RFC 7523 §2.1: the assertion (a JWT, signed or encrypted) comes from {@code assertion} for each request. */
    record JwtBearer(Supplier<Mono<String>> assertion) implements OwnGrant {
        @Override
        public Mono<AuthorizationGrant> grant() {
            return GrantInputException.required("the jwt-bearer assertion", assertion).map(JwtBearer::toGrant);
        }

        private static AuthorizationGrant toGrant(String text) {
            JWT jwt;
            try {
                jwt = JWTParser.parse(text.strip());
            } catch (ParseException e) {
                // Never quote it: it is the credential itself.
                throw new GrantInputException("the jwt-bearer assertion is not a JWT (" + text.length() + " chars)");
            }
            if (jwt instanceof SignedJWT signed) {
                return new JWTBearerGrant(signed);
            }
            if (jwt instanceof EncryptedJWT encrypted) {
                return new JWTBearerGrant(encrypted);
            }
            throw new GrantInputException("the jwt-bearer assertion is an unsecured JWT (alg none), which RFC 7523 forbids");
        }

        @Override
        public String name() {
            return "jwt-bearer";
        }
    }

    /** RFC 8693: the subject token comes from the spec's source for each request. */
    record Exchange(TokenExchange spec) implements OwnGrant {
        @Override
        public Mono<AuthorizationGrant> grant() {
            return GrantInputException.required("the token exchange's subject token", spec::subjectToken).map(this::toGrant);
        }

        private AuthorizationGrant toGrant(String subject) {
            Token subjectToken = new TypelessToken(subject);
            TokenTypeURI requested = spec.requestedTokenType() == null ? null : typeUri(spec.requestedTokenType());
            List<Audience> audience = spec.audience() == null ? null : List.of(new Audience(spec.audience()));
            return new TokenExchangeGrant(subjectToken, typeUri(spec.subjectTokenType()), null, null, requested, audience);
        }

        @Override
        public List<URI> resources() {
            return spec.resource() == null ? List.of() : List.of(spec.resource());
        }

        @Override
        public String name() {
            return "token-exchange";
        }

        private static TokenTypeURI typeUri(String value) {
            try {
                return TokenTypeURI.parse(value);
            } catch (com.nimbusds.oauth2.sdk.ParseException e) {
                throw new IllegalArgumentException("not a token type URI: " + value, e);
            }
        }
    }

    /** The grant's input could not be had: its source failed, gave nothing, or gave something unusable. Transient. */
    final class GrantInputException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GrantInputException(String message) {
            super(message, null, false, false);
        }

        /**
         * What {@code source} gives for one request, with its failure and emptiness named as
         * {@code what}'s. The source's error is named by its type; its message only when it is an
         * I/O error (a file path, say) or tokenflow's own: any other, from the user's code, might
         * quote the very token it failed to read.
         */
        static Mono<String> required(String what, Supplier<Mono<String>> source) {
            return Mono.defer(source)
                    .onErrorMap(e -> !(e instanceof GrantInputException),
                            e -> new GrantInputException(what + " could not be had: " + describe(e)))
                    .filter(value -> !value.isBlank())
                    .switchIfEmpty(Mono.error(() -> new GrantInputException(what + " source gave nothing")));
        }

        private static String describe(Throwable e) {
            boolean quotable = e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException
                    || e instanceof TokenflowException;
            return quotable ? Redactor.safeMessage(e) : e.getClass().getSimpleName();
        }
    }
}
