package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The configuration metadata that spring-boot-configuration-processor generated from
 * {@link TokenflowProperties} (what an IDE completes), and that its properties are exactly DESIGN.md's.
 */
class ConfigurationMetadataTest {

    private static Map<String, JsonNode> tokenflowProperties() throws IOException {
        List<URL> files = Collections.list(ConfigurationMetadataTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"));
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        for (URL file : files) {
            try (InputStream in = file.openStream()) {
                for (JsonNode property : new ObjectMapper().readTree(in).path("properties")) {
                    if (property.path("name").asText().startsWith("tokenflow.")) {
                        properties.put(property.path("name").asText(), property);
                    }
                }
            }
        }
        return properties;
    }

    @Test
    void theMetadataHasTheTopLevelPropertiesWithTypesAndDescriptions() throws IOException {
        Map<String, JsonNode> properties = tokenflowProperties();
        assertThat(properties).containsOnlyKeys("tokenflow.clients", "tokenflow.spring-security-registrations");
        assertThat(properties.get("tokenflow.clients").path("type").asText())
                .isEqualTo("java.util.Map<java.lang.String,io.tokenflow.spring.boot.TokenflowProperties$Client>");
        assertThat(properties.get("tokenflow.spring-security-registrations").path("type").asText()).isEqualTo("java.lang.Boolean");
        assertThat(properties.get("tokenflow.spring-security-registrations").path("defaultValue").asBoolean(true)).isFalse();
        properties.values().forEach(p -> assertThat(p.path("description").asText()).as(p.path("name").asText())
                .isNotBlank().doesNotContain("{@code"));
    }

    @Test
    void theMetadataDescribesTheTokenflowEndpoint() throws IOException {
        List<String> names = new ArrayList<>();
        for (URL file : Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = file.openStream()) {
                new ObjectMapper().readTree(in).path("groups").forEach(g -> names.add(g.path("name").asText()));
            }
        }
        assertThat(names).contains("tokenflow", "management.endpoint.tokenflow");
    }

    @Test
    void aClientHasExactlyTheDesignsProperties() {
        assertThat(kebab(TokenflowProperties.Client.class)).containsExactly("issuer-uri", "token-uri", "client-id",
                "client-secret", "client-authentication-method", "scopes", "hosts", "credential-file", "refresh-ahead", "retry");
        assertThat(kebab(TokenflowProperties.Retry.class)).containsExactly("max-retries", "min-backoff", "max-backoff",
                "degraded-interval", "auth-retrying-interval", "ceiling");
        assertThat(Arrays.stream(TokenflowProperties.AuthenticationMethod.values()).map(TokenflowProperties.AuthenticationMethod::propertyValue))
                .containsExactly("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
                        "tls_client_auth", "none");
    }

    private static List<String> kebab(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(c -> c.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.toList());
    }
}
