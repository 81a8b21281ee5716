package io.tokenflow.core;

import java.time.Duration;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** For tests that prove a path does not block: they are only worth something if BlockHound is watching this JVM. */
final class BlockHoundWatching {

    private BlockHoundWatching() {
    }

    /** Fails unless a blocking call on a non-blocking thread is refused here and now. */
    static void requireIt() {
        StepVerifier.create(Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return "slept";
                }).subscribeOn(Schedulers.parallel()))
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
    }
}
