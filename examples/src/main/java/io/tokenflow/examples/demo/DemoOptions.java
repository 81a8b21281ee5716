package io.tokenflow.examples.demo;

import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The demo's command line: none for the scripted scenario, or a real token endpoint.
 *
 * @param tokenEndpoint null: run the scripted scenario on the embedded authorization server
 */
record DemoOptions(@Nullable URI tokenEndpoint, @Nullable String clientId, @Nullable String clientSecret,
                   @Nullable String scope) {

    static final String SECRET_VARIABLE = "TOKENFLOW_CLIENT_SECRET";
    static final String USAGE = "usage: Demo [--token-endpoint URL --client-id ID [--scope \"a b\"]] "
            + "(client secret from the environment variable " + SECRET_VARIABLE + ")";

    static DemoOptions parse(String[] args, Map<String, String> env) {
        URI endpoint = null;
        String clientId = null;
        String scope = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--token-endpoint" -> endpoint = URI.create(value);
                case "--client-id" -> clientId = value;
                case "--scope" -> scope = value;
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (endpoint == null) {
            if (clientId != null || scope != null) {
                throw new IllegalArgumentException("--client-id and --scope need --token-endpoint");
            }
            return new DemoOptions(null, null, null, null);
        }
        if (clientId == null) {
            throw new IllegalArgumentException("--token-endpoint needs --client-id");
        }
        String secret = env.get(SECRET_VARIABLE);
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("set the client secret in the environment variable " + SECRET_VARIABLE);
        }
        return new DemoOptions(endpoint, clientId, secret, scope);
    }

    @Override
    public String toString() {
        return "DemoOptions[tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId + ", scope=" + scope + "]";
    }
}
