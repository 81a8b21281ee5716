package io.tokenflow.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link TokenflowPropertyException} anywhere in a failed start into Spring Boot's
 * "APPLICATION FAILED TO START" report: which property, why, and what to do. Registered in
 * {@code META-INF/spring.factories}.
 */
final class TokenflowFailureAnalyzer extends AbstractFailureAnalyzer<TokenflowPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TokenflowPropertyException cause) {
        String description = "The tokenflow property '" + cause.property() + "' cannot work: " + cause.reason();
        String action = "Fix '" + cause.property() + "' in your application properties (or YAML, or environment: "
                + "see tokenflow's docs/configuration.md, \"Spring Boot\"), or replace the TokenServices bean with your own.";
        return new FailureAnalysis(description, action, cause);
    }
}
