package io.tokenflow.test;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets code on a non-blocking thread use a {@code VirtualTimeScheduler} under BlockHound. Tests
 * drive services on a {@code VirtualTimeScheduler}, whose task queue is a
 * {@code PriorityBlockingQueue}: its lock is held for a few instructions, but a Netty thread that
 * meets it taken would park, which BlockHound rightly reports. The allowance covers that queue's
 * own methods only (they run no caller code), as reactor-core does for
 * {@code ScheduledThreadPoolExecutor$DelayedWorkQueue}; everything else stays checked.
 *
 * <p>Registered in {@code META-INF/services/reactor.blockhound.integration.BlockHoundIntegration}:
 * BlockHound applies it by itself in every test run that has {@code tokenflow-test} on its class
 * path and installs BlockHound (e.g. with {@code blockhound-junit-platform}). Without BlockHound on
 * the class path it is never loaded.
 */
public final class VirtualTimeBlockHoundIntegration implements BlockHoundIntegration {

    /** For {@link java.util.ServiceLoader}. */
    public VirtualTimeBlockHoundIntegration() {
    }


    @Override
    public void applyTo(BlockHound.Builder builder) {
        for (String method : new String[] {"offer", "add", "poll", "peek", "isEmpty", "size", "remove", "clear"}) {
            builder.allowBlockingCallsInside("java.util.concurrent.PriorityBlockingQueue", method);
        }
    }
}
