package io.tokenflow.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import io.tokenflow.core.CredentialBusyException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * How a store names what went wrong with Redis. "Unreachable" is every failure to get an answer
 * (refused or lost connection, a command past its timeout, commands rejected while disconnected)
 * and the error answers that pass by themselves ({@code LOADING}, {@code READONLY}, {@code BUSY},
 * {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code MASTERDOWN}); any other error answer (an ACL
 * refusal, a wrong type) is a problem of the setup instead. A command that
 * timed out may still run on the server later: callers treat its effect as unknown.
 */
final class Failures {

    /** The error replies that pass by themselves (the first word of the reply). */
    private static final Set<String> PASSING = Set.of("LOADING", "READONLY", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN");

    private Failures() {
    }

    static boolean unreachable(Throwable e) {
        if (e instanceof RedisCommandExecutionException answer) {
            return passing(answer);
        }
        return e instanceof RedisConnectionException || e instanceof TimeoutException || e instanceof IOException
                || e instanceof RedisException || e.getCause() instanceof IOException;
    }

    /**
     * Whether an error answer says the server cannot serve now but will (still loading its data after
     * a restart, a replica until its failover completes, a long script, a cluster reconfiguring):
     * by Lettuce's type, or by the reply's first word for those it has no type for.
     */
    private static boolean passing(RedisCommandExecutionException answer) {
        if (answer instanceof RedisLoadingException || answer instanceof RedisReadOnlyException
                || answer instanceof RedisBusyException) {
            return true;
        }
        String message = answer.getMessage();
        if (message == null) {
            return false;
        }
        int end = message.indexOf(' ');
        return PASSING.contains(end < 0 ? message : message.substring(0, end));
    }

    /** Why a failure happened, for messages: its type and, for Lettuce's own, its message (which names no secret). */
    static String reason(Throwable e) {
        if (e instanceof TimeoutException) {
            return "no answer in time";
        }
        String message = e instanceof RedisException && e.getMessage() != null ? ": " + e.getMessage() : "";
        return e.getClass().getSimpleName() + message;
    }

    /** Redis did not answer: transient; nothing that needs Redis was done. */
    static CredentialBusyException unreachable(String store, String doing, Throwable e) {
        return CredentialBusyException.unavailable(store, "cannot " + doing + ": redis is unreachable or too slow; held "
                + "tokens are served, no shared refresh token is sent (" + reason(e) + ")");
    }
}
