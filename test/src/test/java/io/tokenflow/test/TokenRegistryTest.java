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
            TokenRegistry.seededRandom(), Clock.systemUTC(), Duration.ofMinutes(1), true, Duration.ZERO);

    @Test
    void concurrentRedemptionsOfOneRefreshTokenYieldExactlyOneSuccessAndRevokeTheFamily() {
        for (int round = 0; round < 500; round++) {
            String refreshToken = registry.newFamily("demo-client").refreshTokens.get(0);
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

    @Test
    void concurrentRedemptionsWithinTheGracePeriodBothSucceedAndKeepTheFamily() {
        TokenRegistry lenient = new TokenRegistry(
                TokenRegistry.seededRandom(), Clock.systemUTC(), Duration.ofMinutes(1), true, Duration.ofMinutes(1));
        for (int round = 0; round < 500; round++) {
            TokenRegistry.Family family = lenient.newFamily("demo-client");
            String refreshToken = family.refreshTokens.get(0);
            AtomicReferenceArray<TokenRegistry.Issued> issued = new AtomicReferenceArray<>(2);

            RaceTestUtils.race(
                    () -> issued.set(0, lenient.redeem("demo-client", refreshToken, null)),
                    () -> issued.set(1, lenient.redeem("demo-client", refreshToken, null)));

            assertThat(issued.get(0)).as("round %d", round).isNotNull();
            assertThat(issued.get(1)).as("round %d", round).isNotNull();
            assertThat(lenient.isLive(family)).as("round %d", round).isTrue();
            assertThat(family.refreshTokens).as("round %d", round).hasSize(3);
        }
        assertThat(lenient.rotations()).isEqualTo(1000);
        assertThat(lenient.graceReuses()).isEqualTo(500);
        assertThat(lenient.reuseDetections()).isZero();
    }
}
