package io.tokenflow.spring.boot.app;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A WebFlux application (in a package of its own, as an application is: scanning tokenflow's package would
 * take its auto-configuration for the application's own configuration) configured by properties alone, whose one controller is also the protected
 * resource it calls: {@code GET /orders} answers 200 to a bearer token the authorization server
 * {@linkplain EmbeddedAuthorizationServer#isActive minted}, else 401; {@code GET /seen} says what
 * {@code Authorization} header came, for the host that must get none.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ResourceApp {

    /** The authorization server the resource checks tokens with; set by the test before the context starts. */
    public static volatile EmbeddedAuthorizationServer authorizationServer;

    @RestController
    static class Resource {

        @GetMapping("/orders")
        ResponseEntity<String> orders(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
            boolean active = authorization != null && authorization.startsWith("Bearer ")
                    && authorizationServer.isActive(authorization.substring("Bearer ".length()));
            return active ? ResponseEntity.ok("orders") : ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"").body("no");
        }

        @GetMapping("/seen")
        String seen(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
            return authorization == null ? "none" : "authorization";
        }
    }
}
