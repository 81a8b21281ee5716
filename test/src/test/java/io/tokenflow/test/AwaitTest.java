package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class AwaitTest {

    @Test
    void aConditionThatHoldsAtOnceTakesNoTime() {
        assertThat(Await.until("already true", () -> true)).isZero();
    }

    @Test
    void untilReturnsOnceAnotherThreadMakesTheConditionTrue() {
        AtomicBoolean done = new AtomicBoolean();
        Mono.delay(Duration.ofMillis(50)).subscribe(tick -> done.set(true));

        Duration took = Await.until(Duration.ofSeconds(5), "the timer fires", done::get);

        assertThat(done).isTrue();
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(40)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aConditionThatNeverHoldsFailsWithWhatDidNotHappen() {
        assertThatThrownBy(() -> Await.until(Duration.ofMillis(30), "the moon turns blue", () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessage("not within PT0.03S: the moon turns blue");
    }

    @Test
    void anExceptionOfTheConditionIsPassedOnAtOnce() {
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(5), "never asked", () -> {
            throw new IllegalStateException("broken");
        })).isInstanceOf(IllegalStateException.class).hasMessage("broken");
    }

    @Test
    void waitingOnANonBlockingThreadIsRefused() {
        Mono<Duration> onParallel = Mono.fromCallable(() -> Await.until("anything", () -> true))
                .subscribeOn(Schedulers.parallel());

        assertThatThrownBy(() -> onParallel.block(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("non-blocking thread");
    }
}
