package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Refresh ahead of expiry, on virtual time. */
class ProactiveRefreshTest extends VirtualTimeEngineTest {

    private static final Duration AHEAD = Duration.ofMinutes(5);

    @Test
    void theRefreshStartsInsideTheJitteredWindowAndCallersKeepTheOldTokenMeanwhile() {
        double jitter = 0.1;
        Duration refreshTakes = Duration.ofSeconds(10);
        fake.always(fake.after(refreshTakes, fake.ok(HOUR)));
        TokenService service = start(Services.on(fake, clock).refreshJitter(jitter));
        clock.advanceTimeBy(refreshTakes);

        for (int cycle = 0; cycle < 50; cycle++) {
            AccessToken held = current(service);
            Instant expiresAt = held.expiresAt().orElseThrow();
            Instant windowOpens = expiresAt.minus(scale(AHEAD, 1 + jitter));
            Instant windowCloses = expiresAt.minus(scale(AHEAD, 1 - jitter));
            int before = fake.requests();

            clock.advanceTimeTo(windowOpens.minusMillis(1));
            assertThat(fake.requests()).as("cycle %d: nothing before the window", cycle).isEqualTo(before);

            while (fake.requests() == before && now().isBefore(windowCloses)) {
                clock.advanceTimeBy(Duration.ofSeconds(1));
            }
            assertThat(fake.requests()).as("cycle %d: one refresh inside the window", cycle).isEqualTo(before + 1);
            assertThat(fake.requestTimes().get(before)).isBetween(windowOpens, windowCloses);
            assertThat(current(service)).as("cycle %d: old token while the refresh runs", cycle).isEqualTo(held);

            clock.advanceTimeBy(refreshTakes);
            assertThat(current(service)).isNotEqualTo(held);
            assertThat(service.state().status()).isEqualTo(WorkloadState.Status.RUNNING);
        }
    }

    @Test
    void aDayOfHourlyTokensMakesOneRequestPerRefreshCycle() {
        TokenService service = start(Services.on(fake, clock));

        clock.advanceTimeBy(Duration.ofHours(24));

        long cycle = HOUR.minus(AHEAD).toMillis();
        long expected = (Duration.ofHours(24).toMillis() + cycle - 1) / cycle;
        assertThat(fake.requests()).isEqualTo(expected);
        List<Instant> times = fake.requestTimes();
        for (int i = 1; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isEqualTo(HOUR.minus(AHEAD));
        }
        assertThat(service.state().status()).isEqualTo(WorkloadState.Status.RUNNING);
    }

    @Test
    void aShortLivedTokenIsRefreshedAtHalfItsLifetime() {
        Duration lifetime = Duration.ofMinutes(2);
        fake.always(fake.ok(lifetime));
        start(Services.on(fake, clock));

        clock.advanceTimeBy(Duration.ofMinutes(10));

        assertThat(fake.requestTimes()).hasSize(11);
    }

    @Test
    void anExplicitRefreshAheadIsUsed() {
        start(Services.on(fake, clock).refreshAhead(Duration.ofMinutes(20)));

        clock.advanceTimeBy(Duration.ofMinutes(39));
        assertThat(fake.requests()).isEqualTo(1);
        clock.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(fake.requests()).isEqualTo(2);
    }

    @Test
    void theNewestRefreshTokenIsAlwaysTheOneSent() {
        TokenService service = start(Services.on(fake, clock).refreshToken("rt-0"));
        for (int i = 0; i < 5; i++) {
            service.refresh().block(Duration.ofSeconds(1));
        }
        clock.advanceTimeBy(Duration.ofHours(3));

        List<String> sent = fake.refreshTokensSent();
        assertThat(sent).hasSize(fake.requests());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(sent.get(i)).isEqualTo("rt-" + i);
        }
    }

    @Test
    void refreshWithAValidTokenFetchesANewOneOnce() {
        TokenService service = start(Services.on(fake, clock));
        AccessToken first = current(service);

        AccessToken forced = service.refresh().block(Duration.ofSeconds(1));

        assertThat(forced).isNotEqualTo(first);
        assertThat(current(service)).isEqualTo(forced);
        assertThat(fake.requests()).isEqualTo(2);
    }

    @Test
    void concurrentRefreshCallsShareOneRequest() {
        fake.always(fake.after(Duration.ofSeconds(1), fake.ok(HOUR)));
        TokenService service = start(Services.on(fake, clock));
        clock.advanceTimeBy(Duration.ofSeconds(1));
        int before = fake.requests();

        var a = service.refresh();
        var b = service.refresh();
        var c = service.tokenRejected(current(service));
        assertThat(a).isSameAs(b);
        clock.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(a.block(Duration.ofSeconds(1))).isEqualTo(c.block(Duration.ofSeconds(1)));
        assertThat(fake.requests()).isEqualTo(before + 1);
    }

    @Test
    void rejectionsOfOneTokenCauseOneRefreshAndAStaleRejectionGetsTheNewToken() {
        TokenService service = start(Services.on(fake, clock));
        AccessToken first = current(service);

        AccessToken second = service.tokenRejected(first).block(Duration.ofSeconds(1));
        AccessToken again = service.tokenRejected(first).block(Duration.ofSeconds(1));

        assertThat(second).isNotEqualTo(first);
        assertThat(again).isEqualTo(second);
        assertThat(fake.requests()).isEqualTo(2);
    }

    @Test
    void nothingFiresAfterDispose() {
        TokenService service = start(Services.on(fake, clock));
        service.dispose();

        clock.advanceTimeBy(Duration.ofDays(7));

        assertThat(fake.requests()).isEqualTo(1);
    }

    private static Duration scale(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
