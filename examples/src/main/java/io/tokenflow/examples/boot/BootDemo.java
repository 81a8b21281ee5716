package io.tokenflow.examples.boot;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The demo as a Spring Boot WebFlux application: no tokenflow code, only {@code boot-demo/application.yml}. It starts
 * an embedded authorization server, then the application, whose {@code GET /orders} is a protected resource;
 * calls it three times with a {@code WebClient} from the context's builder (the token is added by the
 * starter), calls it once by a host not listed (no token), prints {@code /actuator/health} and
 * {@code /actuator/tokenflow}, and exits 0.
 *
 * <pre>
 * ./mvnw -B -q -pl examples -am package exec:java -DskipTests -Dexec.mainClass=io.tokenflow.examples.boot.BootDemo
 * </pre>
 */
@SpringBootApplication(proxyBeanMethods = false)
public class BootDemo {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static volatile @Nullable EmbeddedAuthorizationServer idp;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The whole scenario; 0 when every call got what it should. Spring arguments ({@code --server.port=0}) pass through. */
    public static int run(String... args) {
        try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().client("demo-client", "demo-secret").start()) {
            idp = server;
            SpringApplication app = new SpringApplication(BootDemo.class);
            // Its application.yml lives in boot-demo/, not at the root of the examples jar, where every Boot
            // application with tokenflow-examples on its class path would read it.
            app.setDefaultProperties(Map.of("demo.issuer", server.issuer().toString(),
                    "spring.config.location", "classpath:/boot-demo/"));
            try (ConfigurableApplicationContext context = app.run(args)) {
                WebClient.Builder builder = context.getBean(WebClient.Builder.class);
                int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
                boolean ok = true;
                for (int i = 1; i <= 3; i++) {
                    String answer = get(builder, "http://127.0.0.1:" + port + "/orders");
                    System.out.println("GET /orders #" + i + ": " + answer);
                    ok &= "orders: [1, 2, 3]".equals(answer);
                }
                String unlisted = get(builder, "http://localhost:" + port + "/orders");
                System.out.println("GET /orders by a host not listed (localhost): " + unlisted);
                ok &= unlisted.startsWith("401");
                System.out.println("/actuator/health: " + get(builder, "http://localhost:" + port + "/actuator/health"));
                System.out.println("/actuator/tokenflow: " + get(builder, "http://localhost:" + port + "/actuator/tokenflow"));
                System.out.println("token requests the authorization server saw: " + server.tokenRequests());
                return ok ? 0 : 1;
            }
        } finally {
            idp = null;
        }
    }

    private static String get(WebClient.Builder builder, String url) {
        return builder.build().get().uri(url)
                .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
                        .map(body -> response.statusCode().is2xxSuccessful() ? body : response.statusCode().value() + " " + body))
                .block(WAIT);
    }

    /** The protected resource: 200 for a token the embedded server minted, else 401. */
    @RestController
    static class Orders {

        @GetMapping("/orders")
        ResponseEntity<String> orders(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) @Nullable String authorization) {
            EmbeddedAuthorizationServer server = idp;
            boolean active = server != null && authorization != null && authorization.startsWith("Bearer ")
                    && server.isActive(authorization.substring("Bearer ".length()));
            return active ? ResponseEntity.ok("orders: [1, 2, 3]")
                    : ResponseEntity.status(401).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").body("no valid token");
        }
    }
}
