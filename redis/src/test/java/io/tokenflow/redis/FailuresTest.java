package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Which Redis failures pass by themselves (transient, held tokens served) and which are the setup's. */
class FailuresTest {

    @Test
    void errorAnswersOfAServerThatIsStartingFailingOverOrBusyAreTransient() {
        assertThat(Failures.unreachable(new RedisLoadingException("LOADING Redis is loading the dataset in memory"))).isTrue();
        assertThat(Failures.unreachable(new RedisReadOnlyException("READONLY You can't write against a read only replica.")))
                .isTrue();
        assertThat(Failures.unreachable(new RedisBusyException("BUSY Redis is busy running a script."))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRYAGAIN Multiple keys request during rehashing of slot", "CLUSTERDOWN The cluster is down",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", "LOADING", "BUSY"})
    void errorAnswersWithoutALettuceTypeAreTransientByTheirFirstWord(String reply) {
        assertThat(Failures.unreachable(new RedisCommandExecutionException(reply))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOPERM User tokenflow has no permissions to run the 'config' command",
            "WRONGTYPE Operation against a key holding the wrong kind of value", "ERR unknown command", "BUSYKEY Target key name already exists."})
    void otherErrorAnswersAreTheSetupsProblem(String reply) {
        assertThat(Failures.unreachable(new RedisCommandExecutionException(reply))).isFalse();
    }

    @Test
    void noAnswerAtAllIsTransient() {
        assertThat(Failures.unreachable(new RedisConnectionException("Unable to connect"))).isTrue();
        assertThat(Failures.unreachable(new TimeoutException())).isTrue();
    }
}
