package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.core.store.Credential;
import io.tokenflow.test.LocalRedisServer;
import io.tokenflow.test.LocalRedisServerExtension;
import java.time.Duration;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/**
 * The credential at rest: AES-256-GCM by default, with the key prefix, name, epoch and generation
 * bound in as associated data; plaintext only when chosen. Every refusal names the store, the key
 * id and the generation, never a token.
 */
class EncryptionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Credential FIRST = StoreContractTest.generation(1);

    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();
    private static LocalRedisServer server;
    private RedisStores stores;

    @BeforeAll
    static void start() {
        server = REDIS.server();
    }

    @AfterEach
    void closeStores() {
        if (stores != null) {
            stores.close();
        }
        server.command("FLUSHALL");
    }

    private RedisStores stores() {
        stores = new RedisStores(server);
        return stores;
    }

    private static void refusedNamingTheStore(RedisCredentialStore store, String problem) {
        StepVerifier.create(store.load())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(store.describe())
                        .hasMessageContaining(problem)
                        .message().doesNotContain("at-1", "rt-1"))
                .verify(WAIT);
    }

    @Test
    void theStoredRecordHoldsNoTokenInTheClear() {
        RedisCredentialStore store = stores().store("sealed");
        store.save(FIRST).block(WAIT);

        Map<String, String> record = server.hash(Keys.of("tokenflow:", "sealed").cred());
        assertThat(record.toString()).doesNotContain("at-1", "rt-1");
        assertThat(record).containsEntry("kid", "k1").containsEntry("has_rt", "1").containsEntry("gen", "1");
        assertThat(record.get("blob")).startsWith("k1.");
        assertThat(store.load().block(WAIT)).isEqualTo(FIRST);
    }

    @Test
    void aKeyIdWithDotsSealsRecordsThatAnotherStoreOpens() {
        RedisStores s = stores();
        Map<String, javax.crypto.SecretKey> keyring = Map.of("2024.06.k1", RedisStores.key(1));
        RedisCredentialStore store = s.track(s.builder("dotted").keyring(keyring, "2024.06.k1").build());
        store.save(FIRST).block(WAIT);
        store.save(StoreContractTest.generation(2)).block(WAIT);

        RedisCredentialStore other = s.track(s.builder("dotted").keyring(keyring, "2024.06.k1").build());
        assertThat(server.hash(Keys.of("tokenflow:", "dotted").cred())).containsEntry("kid", "2024.06.k1");
        assertThat(other.load().block(WAIT)).isEqualTo(StoreContractTest.generation(2));
        assertThat(store.load().block(WAIT)).isEqualTo(StoreContractTest.generation(2));
    }

    @Test
    void aWrongKeyIsRefused() {
        RedisStores s = stores();
        s.store("wrong-key").save(FIRST).block(WAIT);

        refusedNamingTheStore(s.track(s.builder("wrong-key").keyring(Map.of("k1", RedisStores.key(2)), "k1").build()),
                "(generation 1) cannot be decrypted with key 'k1': a wrong key, or the record was altered or copied");
    }

    @Test
    void aKeyIdTheKeyringDoesNotHaveIsNamed() {
        RedisStores s = stores();
        s.store("unknown-kid").save(FIRST).block(WAIT);

        refusedNamingTheStore(s.track(s.builder("unknown-kid").keyring(Map.of("k2", RedisStores.key(2)), "k2").build()),
                "is encrypted with key 'k1', which this store's keyring does not have (it has [k2])");
    }

    @Test
    void anAlteredBlobIsRefused() {
        RedisCredentialStore store = stores().store("tampered");
        store.save(FIRST).block(WAIT);
        String cred = Keys.of("tokenflow:", "tampered").cred();
        String blob = server.hash(cred).get("blob");
        char last = blob.charAt(blob.length() - 1);
        server.command("HSET", cred, "blob", blob.substring(0, blob.length() - 1) + (last == 'A' ? 'B' : 'A'));

        refusedNamingTheStore(stores.store("tampered"), "cannot be decrypted with key 'k1'");
    }

    @Test
    void aRecordCopiedToAnotherNameIsRefused() {
        RedisCredentialStore original = stores().store("original");
        original.save(FIRST).block(WAIT);
        copyHash(Keys.of("tokenflow:", "original").cred(), Keys.of("tokenflow:", "copy").cred());

        refusedNamingTheStore(stores.store("copy"), "cannot be decrypted with key 'k1'");
    }

    @Test
    void aRecordCopiedToAPrefixAndNameThatSpellTheSameIsRefused() {
        RedisStores s = stores();
        RedisCredentialStore original = s.track(s.builder("pi").keyPrefix("tokenflow:a").build());
        original.save(FIRST).block(WAIT);
        copyHash(Keys.of("tokenflow:a", "pi").cred(), Keys.of("tokenflow:", "api").cred());

        refusedNamingTheStore(s.store("api"), "cannot be decrypted with key 'k1'");
    }

    @Test
    void anOlderBlobReplayedAsTheCurrentGenerationIsRefused() {
        RedisCredentialStore store = stores().store("replayed");
        store.save(FIRST).block(WAIT);
        String cred = Keys.of("tokenflow:", "replayed").cred();
        String first = server.hash(cred).get("blob");
        store.save(StoreContractTest.generation(2)).block(WAIT);
        server.command("HSET", cred, "blob", first);

        refusedNamingTheStore(stores.store("replayed"), "(generation 2) cannot be decrypted");
    }

    @Test
    void keysRotateByAddingANewActiveKeyWhileTheOldOneStillOpens() {
        RedisStores s = stores();
        s.store("rotation").save(FIRST).block(WAIT);
        RedisCredentialStore rotated = s.track(s.builder("rotation")
                .keyring(Map.of("k1", RedisStores.key(1), "k2", RedisStores.key(2)), "k2").build());

        assertThat(rotated.load().block(WAIT)).as("opened with the old key").isEqualTo(FIRST);
        rotated.save(StoreContractTest.generation(2)).block(WAIT);

        assertThat(server.hash(Keys.of("tokenflow:", "rotation").cred())).containsEntry("kid", "k2");
        refusedNamingTheStore(s.store("rotation"), "encrypted with key 'k2', which this store's keyring does not have (it has [k1])");
    }

    @Test
    void plaintextStoresTheJsonAndMustBeChosen() {
        RedisStores s = stores();
        RedisCredentialStore.Builder neither = s.bare(server.uri()).name("undecided");
        assertThatThrownBy(neither::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("keyring(keys, activeKeyId)").hasMessageContaining("plaintext()");

        RedisCredentialStore plain = s.track(s.builder("plain").plaintext().build());
        plain.save(FIRST).block(WAIT);

        assertThat(server.hash(Keys.of("tokenflow:", "plain").cred())).containsEntry("kid", "plaintext")
                .hasEntrySatisfying("blob", blob -> assertThat(blob).contains("\"access_token\" : \"at-1\""));
        refusedNamingTheStore(s.store("plain"), "is stored in plaintext, but this store encrypts");
        s.store("sealed-one").save(FIRST).block(WAIT);
        refusedNamingTheStore(s.track(s.builder("sealed-one").plaintext().build()),
                "is encrypted with key 'k1', but this store was built with plaintext()");
    }

    @Test
    void aKeyringTakesOnly256BitAesKeysAndAnActiveIdItHas() {
        RedisCredentialStore.Builder builder = stores().bare(server.uri()).name("keys");

        assertThatThrownBy(() -> builder.keyring(Map.of("k1", new SecretKeySpec(new byte[16], "AES")), "k1"))
                .hasMessage("key k1 must be a 256-bit AES key (algorithm AES, 128 bits)");
        assertThatThrownBy(() -> builder.keyring(Map.of("k1", RedisStores.key(1)), "k9"))
                .hasMessage("the active key id 'k9' is not in the keyring [k1]");
        assertThatThrownBy(() -> builder.keyring(Map.of("k 1", RedisStores.key(1)), "k 1"))
                .hasMessageContaining("key id must match");
    }

    @Test
    void describeNamesTheServerAndTheCredentialButNoPassword() {
        RedisCredentialStore store = stores().bare("rediss://app:s3cret-password@redis.internal:6380/2")
                .name("billing-api").plaintext().build();

        assertThat(store.describe()).isEqualTo("redis rediss://redis.internal:6380/2/{billing-api}");
        assertThat(store.toString()).doesNotContain("s3cret");
    }

    private static void copyHash(String from, String to) {
        server.hash(from).forEach((field, value) -> server.command("HSET", to, field, value));
    }
}
