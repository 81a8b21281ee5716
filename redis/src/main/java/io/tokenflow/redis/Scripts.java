package io.tokenflow.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Every write to a credential's keys, as one Lua script each, run atomically by Redis (EVALSHA,
 * then EVAL when the server answers NOSCRIPT: after a restart or {@code SCRIPT FLUSH}). No
 * WATCH/MULTI: WATCH belongs to a connection, and Lettuce shares one connection among all callers.
 * Times inside the scripts are Redis {@code TIME}, so the hosts' clocks never matter.
 *
 * <p>The record's {@code epoch} names one history of the record: created with the record (by
 * the first claim or save) and renewed by a clear. A blob is sealed for its epoch and
 * generation; a generation lower than one seen in the same epoch is an older copy resurfacing.
 */
final class Scripts {

    private static final String NOW = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            """;

    /**
     * KEYS cred, lease, fence; ARGV owner, ttl ms, orphan ms. Takes the lease unless it is held or a
     * live claim exists (its presenter's save must come first). Returns {fence (0: not taken), the
     * lease's PTTL, gen (-1: no record), the live claim's age in ms (-1: none)}. The fence never goes
     * below the highest that wrote, should the counter be lost while the record survives.
     */
    static final Script ACQUIRE = new Script("acquire", NOW + """
            local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '-1')
            local claim = redis.call('HGET', KEYS[1], 'claim')
            if claim and claim ~= '' then
              local age = now_ms() - tonumber(redis.call('HGET', KEYS[1], 'claim_at_ms') or '0')
              if age < tonumber(ARGV[3]) then
                return {0, redis.call('PTTL', KEYS[2]), gen, age}
              end
            end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
              local f = redis.call('INCR', KEYS[3])
              local hw = tonumber(redis.call('HGET', KEYS[1], 'fence_hw') or '0')
              if f <= hw then
                f = hw + 1
                redis.call('SET', KEYS[3], f)
              end
              return {f, 0, gen, -1}
            end
            return {0, redis.call('PTTL', KEYS[2]), gen, -1}
            """);

    /** KEYS lease; ARGV owner, ttl ms. 1 when renewed, 0 when the lease is someone else's or gone. */
    static final Script RENEW = new Script("renew", """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            return 0
            """);

    /**
     * KEYS cred, lease; ARGV owner, fence, expected gen, orphan ms, epoch, channel. The right to
     * present generation {@code gen}'s refresh token: only for the lease holder, only while the
     * record is still at that generation (and epoch), and only if no other claim on it is younger
     * than the orphan timeout. Returns {1, gen, the taken-over claim's fence (0: none), its age},
     * {-3, gen} (no lease), {-2, gen} (moved), {-4, the live claim's fence, its age}.
     */
    static final Script CLAIM = new Script("claim", NOW + """
            local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-3, gen} end
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if (epoch and epoch ~= ARGV[5]) or gen ~= tonumber(ARGV[3]) then return {-2, gen} end
            local now = now_ms()
            local prior, age = 0, 0
            local claim = redis.call('HGET', KEYS[1], 'claim')
            if claim and claim ~= '' and claim ~= ARGV[1] then
              age = now - tonumber(redis.call('HGET', KEYS[1], 'claim_at_ms') or '0')
              prior = tonumber(redis.call('HGET', KEYS[1], 'claim_fence') or '0')
              if age < tonumber(ARGV[4]) then return {-4, prior, age} end
            end
            if not epoch then
              redis.call('HSET', KEYS[1], 'v', '1', 'epoch', ARGV[5], 'gen', '0', 'has_rt', '0')
            end
            redis.call('HSET', KEYS[1], 'claim', ARGV[1], 'claim_fence', ARGV[2], 'claim_at_ms', tostring(now))
            redis.call('PUBLISH', ARGV[6], 'claimed:' .. gen)
            return {1, gen, prior, age}
            """);

    /**
     * KEYS cred, lease; ARGV mode, owner, expected gen, expected epoch, blob, kid, has_rt, at_exp_ms,
     * fence, writer, channel, new epoch. Mode {@code claim}: the presenter's save, accepted when it
     * still owns the claim on the expected generation, lease or not. Mode {@code lease}: a save by
     * the lease holder without a claim (a grant without refresh token, an operator's write); mode
     * {@code clear}: the same, emptying the record and starting a new epoch. Refuses a save without
     * refresh token over one with (-5, unless clearing). Returns {1, new gen} or {code, gen}: -2
     * moved, -3 no lease, -6 not the claim's owner.
     */
    static final Script SAVE = new Script("save", NOW + """
            local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if (epoch and epoch ~= ARGV[4]) or gen ~= tonumber(ARGV[3]) then return {-2, gen} end
            if ARGV[1] == 'claim' then
              if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return {-6, gen} end
            elseif redis.call('GET', KEYS[2]) ~= ARGV[2] then
              return {-3, gen}
            end
            if ARGV[1] ~= 'clear' and ARGV[7] == '0' and redis.call('HGET', KEYS[1], 'has_rt') == '1' then
              return {-5, gen}
            end
            local new = gen + 1
            local hw = tonumber(redis.call('HGET', KEYS[1], 'fence_hw') or '0')
            if tonumber(ARGV[9]) > hw then hw = tonumber(ARGV[9]) end
            redis.call('HSET', KEYS[1], 'v', '1', 'epoch', ARGV[12], 'gen', tostring(new), 'blob', ARGV[5], 'kid', ARGV[6],
              'has_rt', ARGV[7], 'at_exp_ms', ARGV[8], 'fence_hw', tostring(hw), 'updated_at_ms', tostring(now_ms()),
              'writer', ARGV[10], 'claim', '', 'claim_fence', '', 'claim_at_ms', '')
            if ARGV[1] == 'clear' then
              redis.call('PUBLISH', ARGV[11], 'cleared:' .. new)
            else
              redis.call('PUBLISH', ARGV[11], 'saved:' .. new)
            end
            return {1, new}
            """);

    /**
     * KEYS lease, cred; ARGV owner, channel, {@code keep} or {@code drop}. Drops the lease if it is
     * still the owner's, and the owner's claim if one is left (its refresh failed, or was never
     * sent) unless told to {@code keep} it (its refresh token was answered, the new credential not
     * saved: the claim holds the other hosts back until it is orphaned). Returns 1 (lease) + 2
     * (claim); 0 when neither was the owner's any more.
     */
    static final Script RELEASE = new Script("release", """
            local released = 0
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              released = 1
            end
            if ARGV[3] ~= 'keep' and redis.call('HGET', KEYS[2], 'claim') == ARGV[1] then
              redis.call('HSET', KEYS[2], 'claim', '', 'claim_fence', '', 'claim_at_ms', '')
              released = released + 2
            end
            if released > 0 then redis.call('PUBLISH', ARGV[2], 'released') end
            return released
            """);

    private Scripts() {
    }

    /** One script and its SHA-1, computed here (no round trip). */
    record Script(String name, String source, String sha) {

        Script(String name, String source) {
            this(name, source, sha1(source));
        }

        /** Runs it: EVALSHA, and EVAL once when Redis does not know the script (it caches it then). */
        Mono<List<Object>> multi(RedisReactiveCommands<String, String> redis, String[] keys, String... args) {
            return redis.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
                    .onErrorResume(RedisNoScriptException.class,
                            missing -> redis.<List<Object>>eval(source, ScriptOutputType.MULTI, keys, args))
                    .next();
        }

        /** As {@link #multi}, for a script that answers one integer. */
        Mono<Long> integer(RedisReactiveCommands<String, String> redis, String[] keys, String... args) {
            return redis.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args)
                    .onErrorResume(RedisNoScriptException.class,
                            missing -> redis.<Long>eval(source, ScriptOutputType.INTEGER, keys, args))
                    .next();
        }

        private static String sha1(String source) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is not available", e);
            }
        }
    }

    /** The {@code i}-th number of a script's answer. */
    static long at(List<Object> answer, int i) {
        return ((Number) answer.get(i)).longValue();
    }
}
