package io.tokenflow.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.tokenflow.core.CredentialBusyException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * How a store names what went wrong with Redis. "Unreachable" is every failure to get an answer
 * (refused or lost connection, a command past its timeout, commands rejected while disconnected);
 * an error answer (an ACL refusal, a wrong type) is a problem of the setup instead. A command that
 * timed out may still run on the server later: callers treat its effect as unknown.
 */
final class Failures {

    private Failures() {
    }

    static boolean unreachable(Throwable e) {
        if (e instanceof RedisCommandExecutionException) {
            return false;
        }
        return e instanceof RedisConnectionException || e instanceof TimeoutException || e instanceof IOException
                || e instanceof RedisException || e.getCause() instanceof IOException;
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
