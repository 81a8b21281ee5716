package io.tokenflow.http;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tests drive {@code TokenService}s on a {@code VirtualTimeScheduler}, whose task queue is a
 * {@code PriorityBlockingQueue}: its lock is held for a few instructions, but a Netty thread that
 * meets it taken would park, which BlockHound rightly reports. The allowance covers that queue's
 * own methods only (they run no caller code), as reactor-core does for
 * {@code ScheduledThreadPoolExecutor$DelayedWorkQueue}; everything else stays checked.
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        for (String method : new String[] {"offer", "add", "poll", "peek", "isEmpty", "size", "remove", "clear"}) {
            builder.allowBlockingCallsInside("java.util.concurrent.PriorityBlockingQueue", method);
        }
    }
}
