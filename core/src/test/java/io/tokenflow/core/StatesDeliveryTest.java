package io.tokenflow.core;

import static io.tokenflow.core.FakeTokenEndpoint.permanent;
import static io.tokenflow.core.WorkloadState.Status.RUNNING;
import static io.tokenflow.core.WorkloadState.Status.STARTING;
import static io.tokenflow.core.WorkloadState.Status.STOPPED;
import static io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code states()} on real threads: a subscriber that keeps up (unbounded demand, quick
 * {@code onNext}) sees every transition once, in order, however fast they come; one that does not
 * holds a bounded queue and is handed the latest state.
 */
class StatesDeliveryTest {

    private static final int ROUNDS = 200;

    @Test
    void anObserverThatKeepsUpSeesEveryTransitionOnceAndInOrder() throws Exception {
        Scheduler scheduler = Schedulers.parallel();
        for (int round = 0; round < ROUNDS; round++) {
            FakeTokenEndpoint fake = new FakeTokenEndpoint(scheduler, Duration.ofHours(1));
            TokenService service = Services.on(fake, scheduler).build();
            CompletableFuture<List<Status>> seen = service.states().map(WorkloadState::status).collectList().toFuture();

            fake.always(permanent("invalid_grant"));
            service.refresh().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
            fake.always(fake.ok(Duration.ofHours(1)));
            service.refresh().block(Duration.ofSeconds(5));
            service.dispose();

            List<Status> statuses = seen.get(5, TimeUnit.SECONDS);
            List<Status> afterStart = statuses.get(0) == STARTING ? statuses.subList(1, statuses.size()) : statuses;
            assertThat(afterStart).as("round %d: %s", round, statuses)
                    .containsExactly(RUNNING, UNAUTHENTICATED, RUNNING, STOPPED);
        }
    }

    @Test
    void aSubscriberStuckInOnNextHoldsBoundedStatesAndThenGetsTheLatest() throws Exception {
        ExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        Scheduler scheduler = Schedulers.fromExecutorService(thread);
        try {
            FakeTokenEndpoint fake = new FakeTokenEndpoint(scheduler, Duration.ofHours(1));
            TokenService service = Services.on(fake, scheduler).build();
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<Status> received = new CopyOnWriteArrayList<>();
            CountDownLatch completed = new CountDownLatch(1);
            service.states().subscribe(state -> {
                received.add(state.status());
                if (received.size() == 1) {
                    stuck.countDown();
                    await(release);
                }
            }, e -> { }, completed::countDown);
            assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();

            for (int i = 0; i < 500; i++) {
                fake.always(permanent("invalid_grant"));
                service.refresh().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
                fake.always(fake.ok(Duration.ofHours(1)));
                service.refresh().block(Duration.ofSeconds(5));
            }
            service.dispose();
            release.countDown();

            assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(received).hasSizeLessThanOrEqualTo(1 + StateFeed.CAPACITY);
            assertThat(received.get(received.size() - 1)).isEqualTo(STOPPED);
        } finally {
            thread.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
