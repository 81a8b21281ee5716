package io.tokenflow.core;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * The TLS identity of a client that needs its own: a client certificate presented on the
 * connection to the token endpoint (RFC 8705 {@code tls_client_auth},
 * {@code self_signed_tls_client_auth}), and the certificates trusted for that endpoint when they
 * are not the JDK's. The {@link SslContext} is built once, on {@code Schedulers.boundedElastic()}
 * (loading the JDK's trust store and the key material reads files), when the first request needs it.
 * Immutable.
 */
final class ClientTls {

    private final @Nullable PrivateKey key;
    private final List<X509Certificate> chain;
    private final List<X509Certificate> trust;
    private final Mono<SslContext> context;

    /**
     * @param key the client's private key; {@code null}: no client certificate (only {@code trust})
     * @param chain the client certificate first, then its intermediates; empty without a key
     * @param trust the certificates trusted for the server; empty: the JDK's trust store
     */
    private ClientTls(@Nullable PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trust) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.trust = List.copyOf(trust);
        this.context = Mono.fromCallable(this::build).subscribeOn(Schedulers.boundedElastic()).cache();
    }

    /** A client certificate, trusting the JDK's trust store. */
    static ClientTls certificate(PrivateKey key, List<X509Certificate> chain) {
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a client certificate is required");
        }
        chain.forEach(c -> Objects.requireNonNull(c, "certificate"));
        return new ClientTls(key, chain, List.of());
    }

    /** No client certificate, only these trusted certificates. */
    static ClientTls trustOnly(List<X509Certificate> trust) {
        return new ClientTls(null, List.of(), requireCertificates(trust));
    }

    /** This identity trusting {@code trust} instead of the JDK's trust store. */
    ClientTls withTrust(List<X509Certificate> trust) {
        return new ClientTls(key, chain, requireCertificates(trust));
    }

    boolean hasCertificate() {
        return key != null;
    }

    /**
     * {@code client} securing its connections with this identity: it replaces any TLS settings
     * {@code client} had. Emits on the thread that built the context the first time, at once after.
     */
    Mono<HttpClient> secure(HttpClient client) {
        return context.map(ssl -> client.secure(spec -> spec.sslContext(ssl)));
    }

    private SslContext build() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (key != null) {
            builder.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
        if (!trust.isEmpty()) {
            builder.trustManager(trust.toArray(X509Certificate[]::new));
        }
        return builder.build();
    }

    private static List<X509Certificate> requireCertificates(List<X509Certificate> certificates) {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted certificate is required");
        }
        certificates.forEach(c -> Objects.requireNonNull(c, "certificate"));
        return certificates;
    }

    @Override
    public String toString() {
        return "ClientTls[" + (key == null ? "no client certificate" : "client certificate " + chain.get(0).getSubjectX500Principal())
                + (trust.isEmpty() ? "" : ", " + trust.size() + " trusted") + "]";
    }
}
