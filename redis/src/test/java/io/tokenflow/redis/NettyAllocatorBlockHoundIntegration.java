package io.tokenflow.redis;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty 4.2's adaptive allocator grows its magazines under a {@code StampedLock}
 * ({@code AdaptivePoolingAllocator$MagazineGroup.tryExpandMagazines}), held for a few
 * instructions; on a Lettuce event loop BlockHound reports the park as blocking, and the connect
 * then hangs until its timeout. That one method is allowed, nothing else. Registered in
 * {@code META-INF/services} of this module's tests.
 */
public final class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {

    /** For {@link java.util.ServiceLoader}. */
    public NettyAllocatorBlockHoundIntegration() {
    }

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
    }
}
