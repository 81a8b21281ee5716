package io.tokenflow.examples;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.store.Credential;
import io.tokenflow.redis.RedisCredentialStore;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The snippets of docs/configuration.md and docs/operations.md about {@link RedisCredentialStore}. */
public final class RedisExamples {

    private RedisExamples() {
    }

    static TokenService sharedAcrossHosts(String clientId) {
        // tag::redis-store[]
        RedisClient redis = RedisClient.create();            // yours: the store never shuts it down
        redis.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        SecretKey k2 = new SecretKeySpec(Base64.getDecoder().decode(System.getenv("TOKENFLOW_REDIS_KEY_K2")), "AES");
        SecretKey k1 = new SecretKeySpec(Base64.getDecoder().decode(System.getenv("TOKENFLOW_REDIS_KEY_K1")), "AES");

        RedisCredentialStore store = RedisCredentialStore.builder(redis, RedisURI.create("rediss://redis.internal:6379"))
                .name("billing-api")                         // required: the keys are tokenflow:{billing-api}:*
                .keyPrefix("tokenflow:")                     // default
                .keyring(Map.of("k1", k1, "k2", k2), "k2")   // AES-256-GCM; k2 seals, k1 still opens; or .plaintext()
                .leaseTtl(Duration.ofSeconds(30))            // default; renewed every 10 s while held
                .orphanTimeout(Duration.ofMinutes(2))        // default; a dead holder's claim is taken over after it
                .writeLockWait(Duration.ofSeconds(35))       // default; then CredentialBusyException (retried)
                .pollInterval(Duration.ofSeconds(2))         // default; changes() also listens on pub/sub
                .commandTimeout(Duration.ofSeconds(2))       // default
                .build();                                    // no I/O: connects on first use

        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientId(clientId)
                .credentialStore(store)
                .build();                                    // one host refreshes, the others adopt its token
        // end::redis-store[]
        return tokens;
    }

    static void operatorWrite(RedisCredentialStore store, String accessToken, String refreshToken) {
        // tag::redis-operator-write[]
        Credential loggedIn = Credential.builder()
                .accessToken(AccessToken.of(accessToken, "Bearer", Instant.now().plus(Duration.ofMinutes(5)), Set.of()))
                .refreshToken(refreshToken)
                .build();
        store.save(loggedIn).block(Duration.ofSeconds(40));  // takes the lease, writes the next generation
        // end::redis-operator-write[]
    }
}
