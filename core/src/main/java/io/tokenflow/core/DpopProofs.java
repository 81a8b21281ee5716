package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One service's DPoP key (RFC 9449) and the proofs it signs: for token requests (no {@code ath})
 * and for resource requests ({@code ath} = the access token's SHA-256). Keeps the latest
 * {@code DPoP-Nonce} of each server (scheme, host and port) and puts it in the next proof for
 * that server.
 *
 * <p>Randomness never blocks: the key (when generated), the signer and a {@code DRBG}
 * {@link SecureRandom} are made once on {@code Schedulers.boundedElastic()}, where seeding may read
 * the OS entropy source; after that every {@code jti} and every ECDSA nonce (or RSA blinding) is
 * drawn from that DRBG, pure computation, so a proof is built on the calling thread, an event loop
 * included. Nimbus' own defaults would draw from a {@code NativePRNG}, which reads
 * {@code /dev/urandom}. Thread-safe.
 */
final class DpopProofs {

    static final String HEADER = "DPoP";
    static final String NONCE_HEADER = "DPoP-Nonce";
    /** More servers than this and the nonces are forgotten (each server hands out a new one when asked). */
    private static final int MAX_SERVERS = 256;
    private static final int JTI_BYTES = 16;

    private final Mono<Signer> signer;
    private final JWSAlgorithm algorithm;
    private final Scheduler clock;
    private final ConcurrentHashMap<String, String> nonces = new ConcurrentHashMap<>();

    private DpopProofs(Mono<Signer> signer, JWSAlgorithm algorithm, Scheduler clock) {
        this.signer = signer;
        this.algorithm = algorithm;
        this.clock = clock;
    }

    /** A new EC P-256 key, generated off the event loop when the service is built ({@link #prepare}) or the first proof is needed. */
    static DpopProofs generated(Scheduler clock) {
        return new DpopProofs(ready(() -> {
            SecureRandom random = seeded();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return new Signer(generator.generateKeyPair(), random);
        }), JWSAlgorithm.ES256, clock);
    }

    /** The user's key: EC (P-256, P-384, P-521) or RSA of 2048 bits or more. */
    static DpopProofs of(KeyPair keys, Scheduler clock) {
        check(keys);
        return new DpopProofs(ready(() -> new Signer(keys, seeded())), algorithm(keys.getPublic()), clock);
    }

    /** Makes the key and signer now, off the caller's thread (on {@code boundedElastic}), instead of at the first proof. */
    void prepare() {
        signer.subscribe(ready -> { }, failed -> { });
    }

    /** The JWS algorithm of the proofs ({@code alg}), e.g. {@code ES256}: what {@code dpop_signing_alg_values_supported} must offer. */
    String algorithm() {
        return algorithm.getName();
    }

    /** ES256, ES384 or ES512 by the curve of an EC key; PS256 for an RSA key. */
    private static JWSAlgorithm algorithm(java.security.PublicKey key) {
        if (key instanceof ECPublicKey pub) {
            Curve curve = Curve.forECParameterSpec(pub.getParams());
            return Curve.P_521.equals(curve) ? JWSAlgorithm.ES512 : Curve.P_384.equals(curve) ? JWSAlgorithm.ES384 : JWSAlgorithm.ES256;
        }
        return JWSAlgorithm.PS256;
    }

    /**
     * The {@code DPoP} header value for one request.
     *
     * @param method the request's method, e.g. {@code GET}
     * @param uri the request's URI; the query and fragment are left out of {@code htu}
     * @param accessToken the token the request carries ({@code ath}); {@code null} for a token request
     */
    Mono<String> proof(String method, URI uri, @Nullable String accessToken) {
        String htm = EndpointSettings.requireText("method", method).toUpperCase(Locale.ROOT);
        URI htu = htu(uri);
        String nonce = nonces.get(origin(uri));
        return signer.map(s -> s.sign(htm, htu, accessToken, nonce, new Date(clock.now(TimeUnit.MILLISECONDS))));
    }

    /** Records the {@code DPoP-Nonce} a server sent; returns whether it differs from the one held. */
    boolean nonce(URI server, @Nullable String nonce) {
        if (nonce == null || nonce.isBlank() || !nonce.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            return false;
        }
        String key = origin(server);
        if (nonces.size() >= MAX_SERVERS && !nonces.containsKey(key)) {
            nonces.clear();
        }
        return !nonce.equals(nonces.put(key, nonce));
    }

    /** The latest nonce of {@code server}; {@code null} when none was sent. */
    @Nullable String nonce(URI server) {
        return nonces.get(origin(server));
    }

    /**
     * {@code uri} without query, fragment and user info (RFC 9449 §4.2 {@code htu}): scheme, host,
     * port and the path as sent, its percent escapes kept ({@code /a%2Fb} stays {@code /a%2Fb}).
     */
    static URI htu(URI uri) {
        String host = uri.getHost();
        if (uri.getScheme() == null || host == null) {
            throw new IllegalArgumentException("not an absolute request URI with a host: " + uri.getScheme() + "://" + host + uri.getRawPath());
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        try {
            // getHost() keeps an IPv6 literal's brackets.
            return new URI(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + host.toLowerCase(Locale.ROOT)
                    + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a request URI: " + uri.getScheme() + "://" + host + path, e);
        }
    }

    /** Scheme, host and port, the port spelled even when it is the default one. */
    static String origin(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        return scheme + "://" + host + ":" + port;
    }

    /**
     * @throws IllegalArgumentException for a key pair DPoP cannot use
     */
    static void check(KeyPair keys) {
        Objects.requireNonNull(keys, "keys");
        boolean ec = keys.getPrivate() instanceof ECPrivateKey && keys.getPublic() instanceof ECPublicKey;
        boolean rsa = keys.getPrivate() instanceof RSAPrivateKey && keys.getPublic() instanceof RSAPublicKey;
        if (!ec && !rsa) {
            throw new IllegalArgumentException("dpop(keys) needs an EC or RSA key pair, got " + keys.getPrivate().getAlgorithm());
        }
        Curve curve = ec ? Curve.forECParameterSpec(((ECPublicKey) keys.getPublic()).getParams()) : null;
        if (ec && !(Curve.P_256.equals(curve) || Curve.P_384.equals(curve) || Curve.P_521.equals(curve))) {
            throw new IllegalArgumentException("dpop(keys) needs an EC key on P-256, P-384 or P-521");
        }
        if (rsa && ((RSAPublicKey) keys.getPublic()).getModulus().bitLength() < 2048) {
            throw new IllegalArgumentException("dpop(keys) needs an RSA key of 2048 bits or more");
        }
    }

    private interface SignerSource {
        Signer make() throws GeneralSecurityException, JOSEException;
    }

    private static Mono<Signer> ready(SignerSource source) {
        return Mono.fromCallable(source::make).subscribeOn(Schedulers.boundedElastic()).cache();
    }

    /** A DRBG, seeded now: seeding may read the OS entropy source, so only off the event loop. */
    private static SecureRandom seeded() throws NoSuchAlgorithmException {
        SecureRandom random = SecureRandom.getInstance("DRBG");
        random.nextBytes(new byte[1]);
        return random;
    }

    /** The key as a JWK, the Nimbus factory signing with it, and the randomness both draw from. */
    private static final class Signer {
        private final DefaultDPoPProofFactory factory;
        private final SecureRandom random;

        Signer(KeyPair keys, SecureRandom random) throws JOSEException {
            JWK jwk = keys.getPublic() instanceof ECPublicKey pub
                    ? new ECKey.Builder(Curve.forECParameterSpec(pub.getParams()), pub).privateKey((ECPrivateKey) keys.getPrivate()).build()
                    : new RSAKey.Builder((RSAPublicKey) keys.getPublic()).privateKey((RSAPrivateKey) keys.getPrivate()).build();
            this.factory = new DefaultDPoPProofFactory(jwk, algorithm(keys.getPublic()));
            this.factory.getJWSSigner().getJCAContext().setSecureRandom(random);
            this.random = random;
        }

        String sign(String htm, URI htu, @Nullable String accessToken, @Nullable String nonce, Date iat) {
            byte[] id = new byte[JTI_BYTES];
            random.nextBytes(id);
            try {
                return factory.createDPoPJWT(new JWTID(Base64URL.encode(id).toString()), htm, htu, iat,
                        accessToken == null ? null : new DPoPAccessToken(accessToken),
                        nonce == null ? null : new Nonce(nonce)).serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign a DPoP proof: " + Redactor.safeMessage(e), e);
            }
        }
    }
}
