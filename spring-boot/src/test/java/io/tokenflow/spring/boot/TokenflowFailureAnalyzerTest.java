package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.test.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** A property that cannot work fails the start with Boot's report naming it. */
class TokenflowFailureAnalyzerTest {

    @Test
    void theAnalyzerIsRegisteredWithSpringBoot() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null,
                SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { })))
                .hasAtLeastOneElementOfType(TokenflowFailureAnalyzer.class);
    }

    @Test
    void theAnalysisNamesThePropertyAndWhatToDo() {
        Throwable failure = new BeanCreationException("tokenServices", "failed",
                TokenflowPropertyException.missing("tokenflow.clients.orders.client-id", "every client needs its client id"));
        FailureAnalysis analysis = new TokenflowFailureAnalyzer().analyze(failure);
        assertThat(analysis.getDescription()).contains("'tokenflow.clients.orders.client-id'").contains("every client needs");
        assertThat(analysis.getAction()).contains("tokenflow.clients.orders.client-id");
    }

    @Test
    void aFailedApplicationStartReportsThePropertyByName() {
        try (LogCapture logs = LogCapture.of("org.springframework.boot")) {
            assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .properties("tokenflow.clients.orders.token-uri=https://idp.example/oauth2/token",
                            "tokenflow.clients.orders.client-secret=s3cret-never-shown")
                    .run().close())
                    .hasRootCauseInstanceOf(TokenflowPropertyException.class);
            assertThat(String.join("\n", logs.messages(Level.ERROR)))
                    .contains("APPLICATION FAILED TO START")
                    .contains("The tokenflow property 'tokenflow.clients.orders.client-id' cannot work")
                    .doesNotContain("s3cret-never-shown");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
