package io.tokenflow.benchmarks;

import com.azure.core.implementation.AccessTokenCache;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;

/**
 * Cold start: a new client built and its first token fetched from a loopback token endpoint that
 * answers at once, over connections shared with earlier clients (tokenflow's shared pool; the
 * peers' shared {@link BarePost} pool, or Spring's default {@code WebClient} on Reactor Netty's
 * global pool), then disposed. Per operation:
 *
 * <ul>
 *   <li>{@code tokenflow}: {@code TokenService.builder()...build()}, {@code token().block()}, {@code dispose()}.</li>
 *   <li>{@code azure}: {@code new AccessTokenCache(credential)}, {@code getToken(context, false).block()}.</li>
 *   <li>{@code google}: {@code new OAuth2Credentials subclass}, {@code getRequestMetadata(uri)} (it refreshes on the calling thread).</li>
 *   <li>{@code spring}: a new registration repository, authorized-client service and manager, {@code authorize(..).block()}.</li>
 * </ul>
 *
 * <p>Target: tokenflow &lt;= Azure's.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ColdStartBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 2)
public class ColdStartBenchmark {

    private static final URI ANY = URI.create("https://api.example/");

    @Param({"tokenflow", "azure", "google", "spring"})
    public String impl;

    private LoopbackTokenEndpoint endpoint;
    private BarePost post;
    private TokenService.Builder tokenflow;
    private URI tokenUri;

    @Setup(Level.Trial)
    public void setUp() {
        endpoint = LoopbackTokenEndpoint.start();
        tokenUri = endpoint.tokenUri();
        post = new BarePost(tokenUri);
        tokenflow = endpoint.service();
        if (coldStart() == null) {
            throw new IllegalStateException(impl + ": no token");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        post.close();
        endpoint.close();
    }

    @Benchmark
    public Object coldStart() {
        switch (impl) {
            case "tokenflow" -> {
                TokenService tokens = tokenflow.build();
                AccessToken token = tokens.token().block(Duration.ofSeconds(10));
                tokens.dispose();
                return token;
            }
            case "azure" -> {
                AccessTokenCache cache = AzurePeer.cache(post);
                return cache.getToken(AzurePeer.CONTEXT, false).block(Duration.ofSeconds(10));
            }
            case "google" -> {
                try {
                    return new GooglePeer(post, null).getRequestMetadata(ANY);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            case "spring" -> {
                SpringOAuth2 spring = SpringOAuth2.defaults(tokenUri);
                return spring.manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId(SpringOAuth2.REGISTRATION_ID)
                        .principal("anonymous").build()).block(Duration.ofSeconds(10));
            }
            default -> throw new IllegalArgumentException("impl: " + impl);
        }
    }
}
