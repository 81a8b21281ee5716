package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Comparator;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** BlockHound is installed in this module's tests too; the published allowance is applied by itself. */
class VirtualTimeBlockHoundIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void theIntegrationIsRegisteredForTheServiceLoader() {
        assertThat(ServiceLoader.load(BlockHoundIntegration.class))
                .anyMatch(integration -> integration instanceof VirtualTimeBlockHoundIntegration);
    }

    /**
     * A comparator that waits keeps the queue's lock taken by the test thread, so that a
     * non-blocking thread asking the queue's size must park for it: allowed inside the queue.
     */
    @Test
    void aNonBlockingThreadMayWaitForAPriorityBlockingQueuesLock() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        PriorityBlockingQueue<Integer> queue = new PriorityBlockingQueue<>(11, Comparator.<Integer>naturalOrder()
                .thenComparing((a, b) -> {
                    inside.countDown();
                    await(leave);
                    return 0;
                }));
        queue.add(1);
        Thread holder = new Thread(() -> queue.add(1), "holds-the-queue-lock");
        holder.start();
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        AtomicReference<Thread> asking = new AtomicReference<>();
        Mono<Integer> size = Mono.fromCallable(() -> {
            asking.set(Thread.currentThread());
            return queue.size();
        }).subscribeOn(Schedulers.parallel());
        StepVerifier.create(size)
                .then(() -> {
                    Await.until(WAIT, "size() waits for the lock", () -> asking.get() != null
                            && asking.get().getState() == Thread.State.WAITING);
                    leave.countDown();
                })
                .expectNext(2)
                .expectComplete()
                .verify(WAIT);
        holder.join(WAIT.toMillis());
    }

    @Test
    void blockingElsewhereOnANonBlockingThreadIsStillReported() {
        Mono<Void> sleeper = Mono.<Void>fromRunnable(() -> LockSupport.parkNanos(1_000_000))
                .subscribeOn(Schedulers.parallel());

        StepVerifier.create(sleeper).expectError(BlockingOperationError.class).verify(WAIT);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
