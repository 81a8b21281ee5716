package io.tokenflow.spring.boot;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter in an {@link ApplicationContextRunner}, and what tests read of a failed start. */
final class Runners {

    static final String ORDERS_ID = "orders-client";
    static final String ORDERS_SECRET = "orders-secret-7f3a";
    static final String BILLING_ID = "billing-client";
    static final String BILLING_SECRET = "billing-secret-9c1d";

    private Runners() {
    }

    /** An authorization server that knows the orders and billing clients. */
    static EmbeddedAuthorizationServer server() {
        return EmbeddedAuthorizationServer.builder()
                .client(ORDERS_ID, ORDERS_SECRET)
                .client(BILLING_ID, BILLING_SECRET)
                .start();
    }

    /** Only tokenflow's auto-configuration. */
    static ApplicationContextRunner starter() {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TokenflowAutoConfiguration.class));
    }

    /** The properties of a working orders client of {@code server}, by its token endpoint. */
    static String[] orders(EmbeddedAuthorizationServer server) {
        return new String[] {
            "tokenflow.clients.orders.token-uri=" + server.tokenEndpoint(),
            "tokenflow.clients.orders.client-id=" + ORDERS_ID,
            "tokenflow.clients.orders.client-secret=" + ORDERS_SECRET,
        };
    }

    /** Every message of the start failure's cause chain, outermost first. */
    static String failure(AssertableApplicationContext context) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        return String.join("\n", messages);
    }

    /** The {@link TokenflowPropertyException} of a failed start, if that is what failed it. */
    static TokenflowPropertyException propertyFailure(AssertableApplicationContext context) {
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof TokenflowPropertyException e) {
                return e;
            }
        }
        throw new AssertionError("the start did not fail on a tokenflow property:\n" + failure(context));
    }
}
