package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Every test of this module runs with BlockHound installed; this one fails if it is not. */
class EveryStarterTestRunsUnderBlockHoundTest {

    @Test
    void aBlockingCallOnANonBlockingThreadIsReported() {
        Mono<Long> sleeper = Mono.delay(Duration.ofMillis(1)).doOnNext(tick -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        StepVerifier.create(sleeper)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BlockingOperationError.class))
                .verify(Duration.ofSeconds(5));
    }
}
