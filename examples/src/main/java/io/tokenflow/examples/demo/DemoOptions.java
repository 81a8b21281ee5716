package io.tokenflow.examples.demo;

import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The demo's command line: none for the scripted scenario, or a real token endpoint.
 *
 * @param tokenEndpoint null: run the scripted scenario on the embedded authorization server
 * @param statusPort the port of the status routes on 127.0.0.1; 0: a free one, printed at start
 */
record DemoOptions(@Nullable URI tokenEndpoint, @Nullable String clientId, @Nullable String clientSecret,
                   @Nullable String scope, int statusPort) {

    static final String SECRET_VARIABLE = "TOKENFLOW_CLIENT_SECRET";
    static final String USAGE = "usage: Demo [--status-port N] [--token-endpoint URL --client-id ID [--scope \"a b\"]] "
            + "(client secret from the environment variable " + SECRET_VARIABLE + ")";

    static DemoOptions parse(String[] args, Map<String, String> env) {
        URI endpoint = null;
        String clientId = null;
        String scope = null;
        int statusPort = 0;
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
                case "--status-port" -> statusPort = port(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (endpoint == null) {
            if (clientId != null || scope != null) {
                throw new IllegalArgumentException("--client-id and --scope need --token-endpoint");
            }
            return new DemoOptions(null, null, null, null, statusPort);
        }
        if (clientId == null) {
            throw new IllegalArgumentException("--token-endpoint needs --client-id");
        }
        String secret = env.get(SECRET_VARIABLE);
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("set the client secret in the environment variable " + SECRET_VARIABLE);
        }
        return new DemoOptions(endpoint, clientId, secret, scope, statusPort);
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // Said below.
        }
        throw new IllegalArgumentException("--status-port must be a port from 0 (a free one) to 65535, was " + value);
    }

    @Override
    public String toString() {
        return "DemoOptions[tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId + ", scope=" + scope
                + ", statusPort=" + statusPort + "]";
    }
}
