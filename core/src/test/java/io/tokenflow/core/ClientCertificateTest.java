package io.tokenflow.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Loopback;
import io.tokenflow.test.SecretScanExtension;
import io.tokenflow.test.TestCertificates;
import java.net.URI;
import java.net.URLDecoder;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;

/**
 * RFC 8705 client authentication against a real TLS server on loopback that requires a client
 * certificate: {@code tls_client_auth} (a certificate from the server's CA) and
 * {@code self_signed_tls_client_auth} (the registered certificate itself); the token request
 * carries {@code client_id} and no secret; the mTLS endpoint alias is used when known; the TLS
 * context is built off the event loop. Certificates are made at run time.
 */
class ClientCertificateTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static TestCertificates ca;
    private static TestCertificates.Issued serverCert;
    private static TestCertificates.Issued client;
    private static TestCertificates.Issued selfSigned;

    /** What the server saw: the client certificate's subject and the form of each request. */
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<DisposableServer> servers = new ArrayList<>();
    private final List<TokenService> services = new ArrayList<>();

    /** The metadata document the servers answer {@code /.well-known/..} with; {@code null}: none served. */
    private volatile String metadata;

    record Seen(String path, String certificateSubject, Map<String, String> form) {
    }

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("tokenflow test CA");
        serverCert = ca.server();
        client = ca.client("orders-client");
        selfSigned = TestCertificates.selfSigned("billing-client");
    }

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
        servers.forEach(DisposableServer::disposeNow);
    }

    @Test
    void tlsClientAuthPresentsTheCertificateAndSendsOnlyTheClientId() {
        DisposableServer idp = mtlsServer(ca.certificate());
        secrets.scan().privateKey(client.key());

        AccessToken token = start(TokenService.builder().tokenEndpoint(Loopback.httpsUrl(idp, "/token")).tlsTrust(ca.certificate())
                .tlsClientAuth("orders-client", client.key(), client.chainArray())).token().block(WAIT);

        assertThat(token.value()).isEqualTo("at-for-orders-client");
        Seen request = seen.get(0);
        assertThat(request.certificateSubject()).isEqualTo("CN=orders-client");
        assertThat(request.form()).containsEntry("grant_type", "client_credentials").containsEntry("client_id", "orders-client")
                .doesNotContainKeys("client_secret", "client_assertion");
    }

    @Test
    void selfSignedTlsClientAuthPresentsTheRegisteredCertificate() {
        DisposableServer idp = mtlsServer(selfSigned.certificate());
        secrets.scan().privateKey(selfSigned.key());

        AccessToken token = start(TokenService.builder().tokenEndpoint(Loopback.httpsUrl(idp, "/token")).tlsTrust(ca.certificate())
                .selfSignedTlsClientAuth("billing-client", selfSigned.key(), selfSigned.certificate())).token().block(WAIT);

        assertThat(token.value()).isEqualTo("at-for-billing-client");
        assertThat(seen.get(0).form()).containsEntry("client_id", "billing-client");
    }

    @Test
    void aCertificateTheServerDoesNotTrustFailsTheHandshake() {
        DisposableServer idp = mtlsServer(ca.certificate());
        TokenService service = start(TokenService.builder().tokenEndpoint(Loopback.httpsUrl(idp, "/token")).tlsTrust(ca.certificate())
                .retryPolicy(RetryPolicy.fromEnvironment(Map.of()).withMaxRetries(0))
                .selfSignedTlsClientAuth("billing-client", selfSigned.key(), selfSigned.certificate()));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(seen).isEmpty();
        assertThat(service.state().status()).isIn(Status.AUTH_RETRYING, Status.UNAUTHENTICATED);
    }

    @Test
    void theMtlsEndpointAliasIsWhereACertificatesRequestsGo() {
        DisposableServer idp = mtlsServer(ca.certificate());
        URI plainEndpoint = Loopback.httpsUrl(idp, "/token");
        URI alias = Loopback.httpsUrl(idp, "/mtls/token");

        start(TokenService.builder().tokenEndpoint(plainEndpoint).mtlsEndpointAlias(alias).tlsTrust(ca.certificate())
                .tlsClientAuth("orders-client", client.key(), client.chainArray())).token().block(WAIT);

        assertThat(seen).extracting(Seen::path).containsExactly("/mtls/token");
    }

    @Test
    void theAliasIsNotUsedByAClientWithoutACertificate() {
        DisposableServer idp = tlsServer();
        URI alias = Loopback.httpsUrl(idp, "/mtls/token");

        start(TokenService.builder().tokenEndpoint(Loopback.httpsUrl(idp, "/token")).mtlsEndpointAlias(alias).tlsTrust(ca.certificate())
                .clientCredentials("plain-client", "plain-secret")).token().block(WAIT);

        assertThat(seen).extracting(Seen::path).containsExactly("/token");
    }

    /**
     * A request started on a non-blocking thread builds the TLS context (the JDK's trust store is
     * read from its file) without a BlockHound complaint. Note: Netty's own BlockHound integration
     * allows that read, so this test passes even with the context built on the calling thread; the
     * hop to boundedElastic in {@code ClientTls} is for production, where nothing allows it.
     */
    @Test
    void aRequestStartedOnANonBlockingThreadBuildsTheTlsContextWithoutComplaint() {
        BlockHoundWatching.requireIt();
        DisposableServer idp = mtlsServer(ca.certificate());
        // Without tlsTrust: the JDK's trust store is read from its file when the context is built.
        TokenService service = start(TokenService.builder().tokenEndpoint(Loopback.httpsUrl(idp, "/token"))
                .retryPolicy(RetryPolicy.fromEnvironment(Map.of()).withMaxRetries(0))
                .tlsClientAuth("orders-client", client.key(), client.chainArray()));

        StepVerifier.create(Mono.defer(service::refresh).subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(e -> {
                    // The test CA is not in the JDK's trust store: the handshake, not the context, fails.
                    assertThat(e).isInstanceOf(TokenEndpointException.class);
                    TokenFailure failure = ((TokenEndpointException) e).failure();
                    assertThat(failure.message()).startsWith("TLS with the token endpoint failed").doesNotContain("Blocking");
                    assertThat(failure.origin()).isEqualTo(FailureOrigin.TLS);
                })
                .verify(WAIT);
    }

    @Test
    void aDiscoveredMtlsAliasIsWhereACertificatesRequestsGoAndTheMetadataNeedsNoCertificate() {
        DisposableServer issuerServer = tlsServer();
        DisposableServer mtls = mtlsServer(ca.certificate());
        URI issuer = Loopback.httpsUrl(issuerServer, "");
        metadata = "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\"" + issuer + "/token\","
                + "\"token_endpoint_auth_methods_supported\":[\"tls_client_auth\"],"
                + "\"mtls_endpoint_aliases\":{\"token_endpoint\":\"" + Loopback.httpsUrl(mtls, "/mtls/token") + "\"}}";

        AccessToken token = start(TokenService.builder().issuer(issuer).tlsTrust(ca.certificate())
                .tlsClientAuth("orders-client", client.key(), client.chainArray())).token().block(WAIT);

        assertThat(token.value()).isEqualTo("at-for-orders-client");
        assertThat(seen).extracting(Seen::path).containsExactly("/.well-known/oauth-authorization-server", "/mtls/token");
        assertThat(seen.get(1).certificateSubject()).isEqualTo("CN=orders-client");
    }

    @Test
    void aDiscoveredAliasThatIsNotHttpsIsAPermanentDiscoveryFailure() {
        DisposableServer issuerServer = tlsServer();
        URI issuer = Loopback.httpsUrl(issuerServer, "");
        metadata = "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\"" + issuer + "/token\","
                + "\"token_endpoint_auth_methods_supported\":[\"tls_client_auth\"],"
                + "\"mtls_endpoint_aliases\":{\"token_endpoint\":\"http://127.0.0.1:1/mtls/token\"}}";
        TokenService service = start(TokenService.builder().issuer(issuer).tlsTrust(ca.certificate())
                .tlsClientAuth("orders-client", client.key(), client.chainArray()));

        StepVerifier.create(service.refresh())
                .expectErrorSatisfies(e -> {
                    TokenFailure failure = ((TokenEndpointException) e).failure();
                    assertThat(failure.origin()).isEqualTo(FailureOrigin.DISCOVERY);
                    assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
                    assertThat(failure.message()).contains("mtls_endpoint_aliases.token_endpoint is refused", "https");
                })
                .verify(WAIT);
        assertThat(seen).extracting(Seen::path).containsExactly("/.well-known/oauth-authorization-server");
    }

    @Test
    void anAliasMustBeHttps() {
        assertThatThrownBy(() -> TokenService.builder().mtlsEndpointAlias(URI.create("http://127.0.0.1/token")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------ helpers

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }

    /** A token endpoint on TLS that requires a client certificate trusted by {@code trust}. */
    private DisposableServer mtlsServer(X509Certificate trust) {
        return serve(SslContextBuilder.forServer(serverCert.key(), serverCert.chainArray()).trustManager(trust)
                .clientAuth(ClientAuth.REQUIRE));
    }

    /** A token endpoint on TLS that asks for no client certificate. */
    private DisposableServer tlsServer() {
        return serve(SslContextBuilder.forServer(serverCert.key(), serverCert.chainArray()));
    }

    private DisposableServer serve(SslContextBuilder tls) {
        SslContext context;
        try {
            context = tls.build();
        } catch (javax.net.ssl.SSLException e) {
            throw new AssertionError(e);
        }
        DisposableServer server = Loopback.httpServer().secure(spec -> spec.sslContext(context))
                .handle(this::answer).bindNow(WAIT);
        servers.add(server);
        return server;
    }

    private Mono<Void> answer(HttpServerRequest request, HttpServerResponse response) {
        String[] subject = {"none"};
        request.withConnection(connection -> {
            SslHandler ssl = connection.channel().pipeline().get(SslHandler.class);
            try {
                Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
                subject[0] = ((X509Certificate) peer[0]).getSubjectX500Principal().getName();
            } catch (SSLPeerUnverifiedException none) {
                subject[0] = "none";
            }
        });
        return request.receive().aggregate().asString(UTF_8).defaultIfEmpty("").flatMap(body -> {
            Map<String, String> form = form(body);
            seen.add(new Seen(request.fullPath(), subject[0], form));
            String served = metadata;
            if (request.fullPath().startsWith("/.well-known/")) {
                return served == null ? response.status(404).send().then()
                        : response.header("Content-Type", "application/json").sendString(Mono.just(served)).then();
            }
            String name = subject[0].startsWith("CN=") ? subject[0].substring(3) : form.getOrDefault("client_id", "anonymous");
            String json = "{\"access_token\":\"at-for-" + name + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
            return response.header("Content-Type", "application/json").sendString(Mono.just(json)).then();
        });
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), UTF_8), URLDecoder.decode(pair.substring(eq + 1), UTF_8));
            }
        }
        return form;
    }
}
