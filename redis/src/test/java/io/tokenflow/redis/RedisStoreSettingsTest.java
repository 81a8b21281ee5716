package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timings a store is built with must fit together; {@code build()} says which do not. */
class RedisStoreSettingsTest {

    private static RedisStoreSettings named() {
        return RedisStoreSettings.defaults().withName("settings").withPlaintext();
    }

    @Test
    void anOrphanTimeoutUnderTwiceTheLeaseIsRefusedSayingWhy() {
        RedisStoreSettings tooShort = named().withLeaseTtl(Duration.ofSeconds(30)).withOrphanTimeout(Duration.ofSeconds(45));

        assertThatThrownBy(tooShort::validated).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("orphanTimeout (PT45S) must be at least twice leaseTtl (PT30S)")
                .hasMessageContaining("a whole token request");
    }

    @Test
    void theDefaultsAndTheTestsFastTimingsFit() {
        assertThat(named().validated()).isNotNull();
        assertThat(named().withLeaseTtl(RedisStores.LEASE_TTL).withOrphanTimeout(RedisStores.ORPHAN_TIMEOUT)
                .withCommandTimeout(RedisStores.COMMAND_TIMEOUT).validated()).isNotNull();
    }
}
