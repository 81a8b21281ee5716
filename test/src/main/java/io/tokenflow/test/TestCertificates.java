package io.tokenflow.test;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates and keys made at run time, for TLS and mTLS tests (RFC 8705): a certificate
 * authority, server certificates for {@code 127.0.0.1} and {@code localhost}, client certificates,
 * and self-signed ones. Keys are EC P-256 (fast to make); nothing is written to disk, so no private
 * key is ever committed. Immutable; make them on a thread that may block (key generation draws on
 * the OS entropy source).
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority("Test CA");
 * TestCertificates.Issued server = ca.server();            // SAN 127.0.0.1, localhost
 * TestCertificates.Issued client = ca.client("orders-client");
 * }</pre>
 */
public final class TestCertificates {

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCertificates(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A key pair, its certificate, and the chain to present: the certificate first. */
    public record Issued(PrivateKey key, X509Certificate certificate, List<X509Certificate> chain) {
        public Issued {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certificate, "certificate");
            chain = List.copyOf(chain);
        }

        /** The chain as an array, the certificate first: what {@code tlsClientAuth(id, key, chain...)} takes. */
        public X509Certificate[] chainArray() {
            return chain.toArray(X509Certificate[]::new);
        }

        @Override
        public String toString() {
            return "Issued[" + certificate.getSubjectX500Principal().getName() + "]";
        }
    }

    /** A new certificate authority named {@code CN=<name>}, valid from an hour ago for two days. */
    public static TestCertificates authority(String name) {
        KeyPair keys = newKeys();
        X500Principal subject = new X500Principal("CN=" + name);
        X509Certificate ca = sign(subject, keys, subject, keys.getPrivate(), true, null, null);
        return new TestCertificates(keys, ca);
    }

    /** A self-signed end-entity certificate (RFC 8705 {@code self_signed_tls_client_auth}) named {@code CN=<name>}. */
    public static Issued selfSigned(String name) {
        KeyPair keys = newKeys();
        X500Principal subject = new X500Principal("CN=" + name);
        X509Certificate certificate = sign(subject, keys, subject, keys.getPrivate(), false, KeyPurposeId.id_kp_clientAuth, null);
        return new Issued(keys.getPrivate(), certificate, List.of(certificate));
    }

    /** The authority's certificate: what a client or server trusts. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** A server certificate for {@code 127.0.0.1}, {@code ::1} and {@code localhost}, issued by this authority. */
    public Issued server() {
        KeyPair leaf = newKeys();
        GeneralNames names;
        try {
            names = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress()),
                new GeneralName(GeneralName.dNSName, "localhost")});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        X509Certificate issued = sign(new X500Principal("CN=localhost"), leaf, certificate.getSubjectX500Principal(),
                keys.getPrivate(), false, KeyPurposeId.id_kp_serverAuth, names);
        return new Issued(leaf.getPrivate(), issued, List.of(issued));
    }

    /**
     * A client certificate named {@code CN=<name>}, issued by this authority (RFC 8705
     * {@code tls_client_auth}). Its chain is the certificate, then the authority's: some servers
     * (Spring Authorization Server) tell {@code tls_client_auth} from {@code self_signed_tls_client_auth}
     * by the length of the chain the client presents.
     */
    public Issued client(String name) {
        KeyPair leaf = newKeys();
        X509Certificate issued = sign(new X500Principal("CN=" + name), leaf, certificate.getSubjectX500Principal(),
                keys.getPrivate(), false, KeyPurposeId.id_kp_clientAuth, null);
        return new Issued(leaf.getPrivate(), issued, List.of(issued, certificate));
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC P-256 key", e);
        }
    }

    private static X509Certificate sign(X500Principal subject, KeyPair subjectKeys, X500Principal issuer, PrivateKey issuerKey,
            boolean ca, @Nullable KeyPurposeId purpose, @Nullable GeneralNames names) {
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            if (ca) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            if (names != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, names);
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject.getName(), e);
        }
    }
}
