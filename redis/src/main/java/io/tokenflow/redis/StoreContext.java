package io.tokenflow.redis;

import reactor.core.scheduler.Scheduler;

/**
 * What the parts of one {@link RedisCredentialStore} share: its settings, names, connections,
 * random values, cipher, history and reads.
 *
 * @param describe the store's {@code describe()}, for messages
 * @param writer names this process in the records it writes (not secret)
 * @param timer runs renewals, waits and polls
 */
record StoreContext(RedisStoreSettings settings, Keys keys, Connections connections, Ids ids, BlobCipher cipher,
                    History history, Records records, String describe, String writer, Scheduler timer) {

    /** The keys of a script that touches the record and the lease. */
    String[] recordAndLease() {
        return new String[] {keys.cred(), keys.lease()};
    }

    long commandTimeoutMillis() {
        return settings.commandTimeout().toMillis();
    }
}
