package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.test.util.RaceTestUtils;

class TokenRegistryTest {

    private final TokenRegistry registry = new TokenRegistry(
            TokenRegistry.seededRandom(), Clock.systemUTC(), Duration.ofMinutes(1), true);

    @Test
    void concurrentRedemptionsOfOneRefreshTokenYieldExactlyOneSuccessAndRevokeTheFamily() {
        for (int round = 0; round < 500; round++) {
            String refreshToken = registry.newRefreshTokenFamily("demo-client");
            AtomicReferenceArray<TokenRegistry.Issued> issued = new AtomicReferenceArray<>(2);

            RaceTestUtils.race(
                    () -> issued.set(0, registry.redeem("demo-client", refreshToken, null)),
                    () -> issued.set(1, registry.redeem("demo-client", refreshToken, null)));

            List<TokenRegistry.Issued> winners = Stream.of(issued.get(0), issued.get(1))
                    .filter(Objects::nonNull)
                    .collect(Collectors.toList());
            assertThat(winners).as("round %d", round).hasSize(1);
            assertThat(registry.isActive(winners.get(0).accessToken())).isFalse();
            assertThat(registry.redeem("demo-client", winners.get(0).refreshToken(), null)).isNull();
        }
    }
}
