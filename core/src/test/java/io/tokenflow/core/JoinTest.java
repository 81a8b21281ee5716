package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

/** The linear join of a refresh job's callers: one outcome, delivered once to each, cancellation leaves only. */
class JoinTest {

    @Test
    void everySubscriberGetsTheOneValueAndALateOneGetsItAtOnce() {
        Join<String> join = new Join<>();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            join.subscribe(got::add);
        }

        join.complete("token", null);

        assertThat(got).hasSize(1_000).containsOnly("token");
        StepVerifier.create(join).expectNext("token").verifyComplete();
    }

    @Test
    void aValueWaitsForDemandAnErrorDoesNot() {
        Join<String> join = new Join<>();
        StepVerifier.create(join, 0).expectSubscription().then(() -> join.complete("token", null))
                .expectNoEvent(java.time.Duration.ZERO).thenRequest(1).expectNext("token").verifyComplete();
        Join<String> failing = new Join<>();
        StepVerifier.create(failing, 0).then(() -> failing.complete(null, new IllegalStateException("refused")))
                .verifyErrorMessage("refused");
    }

    @Test
    void aCancelledSubscriberGetsNothingAndTheOthersStillGetTheValue() {
        Join<String> join = new Join<>();
        AtomicInteger delivered = new AtomicInteger();
        Disposable leaving = join.subscribe(v -> delivered.incrementAndGet());
        join.subscribe(v -> delivered.incrementAndGet());
        leaving.dispose();

        join.complete("token", null);

        assertThat(delivered).hasValue(1);
    }

    @Test
    void racingSubscribeCancelAndCompleteDeliverExactlyOnceToEachSubscriberThatStays() {
        for (int round = 0; round < 500; round++) {
            Join<String> join = new Join<>();
            AtomicInteger staying = new AtomicInteger();
            AtomicInteger leaving = new AtomicInteger();
            List<Disposable> leavers = new ArrayList<>();
            RaceTestUtils.race(Schedulers.boundedElastic(),
                    () -> {
                        for (int i = 0; i < 50; i++) {
                            join.subscribe(v -> staying.incrementAndGet());
                        }
                    },
                    () -> {
                        for (int i = 0; i < 50; i++) {
                            Disposable d = join.subscribe(v -> leaving.incrementAndGet());
                            synchronized (leavers) {
                                leavers.add(d);
                            }
                            d.dispose();
                        }
                    },
                    () -> join.complete("token", null));
            join.complete("late", null);

            assertThat(staying).as("round %d: each staying subscriber, once", round).hasValue(50);
            assertThat(leaving.get()).as("round %d", round).isBetween(0, 50);
            assertThat(Mono.from(join).block()).isEqualTo("token");
        }
    }
}
