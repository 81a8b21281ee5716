package io.tokenflow.benchmarks;

import com.azure.core.implementation.AccessTokenCache;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tokenflow.core.TokenService;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What an idle client holding a token costs at scale, counted rather than timed by JMH: for each
 * implementation, in a JVM of its own ({@code -Xmx4g}), {@code N} (default 100,000) clients are
 * built against one loopback token endpoint and each fetches its first token (256 at a time);
 * then, after full GCs, the heap retained per client ((used with them - used before) / N) and the
 * thread count.
 *
 * <ul>
 *   <li>{@code tokenflow}: {@code N} lone {@code TokenService}s (the tokenflow-wide shared pool).</li>
 *   <li>{@code spring}: one repository of {@code N} client_credentials registrations, one
 *       authorized-client service and manager, each registration authorized (Spring's defaults).</li>
 *   <li>{@code azure}: {@code N} {@code AccessTokenCache}s, each over its own {@code TokenCredential} ({@link BarePost}).</li>
 *   <li>{@code google}: {@code N} {@code OAuth2Credentials} ({@link GooglePeer}), each refreshed.</li>
 * </ul>
 *
 * <p>Target: tokenflow &lt;= 900 B per service and 100,000 services with first tokens in &lt;= 5 s.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tokenflow.benchmarks.Footprint benchmarks/results/footprint.json
 * </pre>
 */
public final class Footprint {

    private static final int CONCURRENCY = 256;
    private static final String[] IMPLS = {"tokenflow", "spring", "azure", "google"};

    private Footprint() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--one")) {
            System.out.println("RESULT " + new ObjectMapper().writeValueAsString(one(args[1], Integer.parseInt(args[2]))));
            System.exit(0);
        }
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/results/footprint.json");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String impl : IMPLS) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx4g", "-cp", System.getProperty("java.class.path"), Footprint.class.getName(), "--one", impl,
                    Integer.toString(n)).redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            child.waitFor();
            String line = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(impl + " failed:\n" + output));
            @SuppressWarnings("unchecked")
            Map<String, Object> run = new ObjectMapper().readValue(line.substring(7), Map.class);
            runs.add(run);
            System.out.printf("%-10s %,8.0f B per client, %,6d ms to build %,d with first tokens, %d threads%n", impl,
                    ((Number) run.get("bytesPerClient")).doubleValue(), ((Number) run.get("millis")).longValue(), n,
                    ((Number) run.get("threads")).intValue());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "Footprint");
        json.put("clients", n);
        json.put("runs", runs);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
    }

    private static Map<String, Object> one(String impl, int n) throws IOException {
        try (LoopbackTokenEndpoint endpoint = LoopbackTokenEndpoint.start(); BarePost post = new BarePost(endpoint.tokenUri())) {
            // Warm up the code paths and the shared connections, then measure from a clean heap.
            List<Object> warm = build(impl, 1_000, endpoint, post);
            warm.clear();
            long before = usedAfterGc();
            long start = System.nanoTime();
            List<Object> clients = build(impl, n, endpoint, post);
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            long after = usedAfterGc();
            if (Boolean.getBoolean("footprint.pause")) {
                // For a look with `jcmd <pid> GC.class_histogram` at what the clients hold.
                System.err.println("holding " + clients.size() + " clients for 60 s");
                sleep(60_000);
            }
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("impl", impl);
            run.put("clients", clients.size());
            run.put("millis", millis);
            run.put("bytesPerClient", (after - before) / (double) n);
            run.put("threads", Thread.activeCount());
            run.put("tokenRequests", endpoint.requests());
            run.put("connections", endpoint.connections());
            return run;
        }
    }

    private static List<Object> build(String impl, int n, LoopbackTokenEndpoint endpoint, BarePost post) {
        URI uri = endpoint.tokenUri();
        List<Object> clients = new ArrayList<>(n);
        switch (impl) {
            case "tokenflow" -> {
                TokenService.Builder builder = endpoint.service();
                for (int i = 0; i < n; i++) {
                    clients.add(builder.build());
                }
                Flux.fromIterable(clients).flatMap(c -> ((TokenService) c).token(), CONCURRENCY).then().block(Duration.ofMinutes(5));
            }
            case "spring" -> {
                List<ClientRegistration> registrations = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    registrations.add(ClientRegistration.withRegistrationId("bench-" + i)
                            .clientId(LoopbackTokenEndpoint.CLIENT_ID).clientSecret(LoopbackTokenEndpoint.CLIENT_SECRET)
                            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                            .scope("api.read").tokenUri(uri.toString()).build());
                }
                InMemoryReactiveClientRegistrationRepository repository = new InMemoryReactiveClientRegistrationRepository(registrations);
                InMemoryReactiveOAuth2AuthorizedClientService service = new InMemoryReactiveOAuth2AuthorizedClientService(repository);
                AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager manager =
                        new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(repository, service);
                clients.add(repository);
                clients.add(service);
                clients.add(manager);
                Flux.range(0, n).flatMap(i -> manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("bench-" + i)
                        .principal("anonymous").build()), CONCURRENCY).then().block(Duration.ofMinutes(5));
                // The count is of registrations, as they are what a user declares.
                while (clients.size() < n) {
                    clients.add(Boolean.TRUE);
                }
            }
            case "azure" -> {
                for (int i = 0; i < n; i++) {
                    clients.add(AzurePeer.cache(post));
                }
                Flux.fromIterable(clients).flatMap(c -> ((AccessTokenCache) c).getToken(AzurePeer.CONTEXT, false), CONCURRENCY)
                        .then().block(Duration.ofMinutes(5));
            }
            case "google" -> {
                for (int i = 0; i < n; i++) {
                    clients.add(new GooglePeer(post, null));
                }
                Flux.fromIterable(clients).flatMap(c -> Mono.fromCallable(() -> ((GooglePeer) c).getRequestMetadata(URI.create("https://api.example/")))
                        .subscribeOn(Schedulers.boundedElastic()), 64).then().block(Duration.ofMinutes(5));
            }
            default -> throw new IllegalArgumentException("impl: " + impl);
        }
        return clients;
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
