package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A resource server that rejects every token (wrong audience, say) must not drive one token
 * request per API call: a token fetched because of a rejection is not refreshed again for a
 * rejection within a cool-down, which doubles while the rejections go on.
 */
class RejectionCooldownTest extends VirtualTimeEngineTest {

    /** Rejects whatever token it is given, as a resource server expecting another audience does. */
    private static AccessToken rejectedCall(TokenService service) {
        AccessToken used = current(service);
        return service.tokenRejected(used).block(Duration.ofSeconds(1));
    }

    @Test
    void fiftyRejectedCallsCauseOneRefreshNotFifty() {
        TokenService service = start();

        for (int call = 0; call < 50; call++) {
            rejectedCall(service);
        }

        assertThat(fake.requests()).as("the first token and one refresh for the first rejection").isEqualTo(2);
        assertThat(service.state().status()).isEqualTo(WorkloadState.Status.RUNNING);
    }

    @Test
    void aRejectionWithinTheCooldownHandsBackTheSameTokenWithoutARequest() {
        TokenService service = start();
        AccessToken first = current(service);
        AccessToken second = service.tokenRejected(first).block(Duration.ofSeconds(1));

        AccessToken third = service.tokenRejected(second).block(Duration.ofSeconds(1));

        assertThat(second).isNotEqualTo(first);
        assertThat(third).as("no newer token: the caller keeps the answer it got").isEqualTo(second);
        assertThat(current(service)).as("still served").isEqualTo(second);
        assertThat(fake.requests()).isEqualTo(2);
    }

    @Test
    void afterTheCooldownARejectionRefreshesAgainAndTheNextCooldownIsTwiceAsLong() {
        TokenService service = start();
        rejectedCall(service);
        assertThat(fake.requests()).isEqualTo(2);

        clock.advanceTimeBy(Rejections.FIRST_PAUSE);
        rejectedCall(service);
        assertThat(fake.requests()).as("the first pause is over").isEqualTo(3);

        clock.advanceTimeBy(Rejections.FIRST_PAUSE);
        rejectedCall(service);
        assertThat(fake.requests()).as("the second pause lasts twice as long").isEqualTo(3);

        clock.advanceTimeBy(Rejections.FIRST_PAUSE);
        rejectedCall(service);
        assertThat(fake.requests()).isEqualTo(4);
    }

    @Test
    void theCooldownDoublesWhileRejectionsGoOnUpToItsCeiling() {
        TokenService service = start();
        rejectedCall(service);
        Duration[] pauses = {Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(240),
                Duration.ofSeconds(480), Rejections.MAX_PAUSE, Rejections.MAX_PAUSE, Rejections.MAX_PAUSE};
        int requests = fake.requests();
        for (Duration pause : pauses) {
            clock.advanceTimeBy(pause.minusSeconds(1));
            rejectedCall(service);
            assertThat(fake.requests()).as("a second before the end of a %s pause", pause).isEqualTo(requests);
            clock.advanceTimeBy(Duration.ofSeconds(1));
            rejectedCall(service);
            assertThat(fake.requests()).as("at the end of a %s pause", pause).isEqualTo(++requests);
        }
    }

    @Test
    void aQuietSpellAfterThePauseStartsTheBackoffOver() {
        TokenService service = start();
        rejectedCall(service);
        clock.advanceTimeBy(Rejections.FIRST_PAUSE);
        rejectedCall(service);
        assertThat(fake.requests()).isEqualTo(3);

        clock.advanceTimeBy(Duration.ofMinutes(30));
        rejectedCall(service);
        clock.advanceTimeBy(Rejections.FIRST_PAUSE);
        rejectedCall(service);

        assertThat(fake.requests()).as("after 30 quiet minutes the pause is the first one again").isEqualTo(5);
    }

    @Test
    void theServiceSaysOnceAtWarnThatRejectionsArePausedWithAHint() {
        Logger logger = (Logger) LoggerFactory.getLogger(TokenService.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            TokenService service = start();
            for (int call = 0; call < 10; call++) {
                rejectedCall(service);
            }

            assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("audience").contains("scope")
                            .contains("until"));
        } finally {
            logger.detachAppender(appender);
        }
    }
}
