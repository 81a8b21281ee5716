package io.tokenflow.redis;

/**
 * The Redis names of one credential. They share the hash tag {@code {<name>}}, so that every
 * script's keys live in one slot of a Redis Cluster.
 *
 * @param cred the credential record (a hash with no TTL, ever: it holds the only copy of the refresh token)
 * @param lease the refresh lease (a string, the holder's owner token, with a TTL)
 * @param fence the fencing counter (INCR)
 * @param events the pub/sub channel of {@code saved:<gen>}, {@code cleared:<gen>}, {@code claimed:<gen>}, {@code released}
 * @param aadPrefix what the associated data of every encrypted blob starts with: the version and
 *     {@code <prefix>{<name>}} (neither may contain a brace, so prefix and name stay apart)
 */
record Keys(String cred, String lease, String fence, String events, String aadPrefix) {

    static Keys of(String prefix, String name) {
        String base = prefix + "{" + name + "}";
        return new Keys(base + ":cred", base + ":lease", base + ":fence", base + ":events", "tokenflow/v1|" + base + "|");
    }

    /** The associated data of the blob of generation {@code gen} in record history {@code epoch}. */
    String aad(String epoch, long gen) {
        return aadPrefix + epoch + "|" + gen;
    }
}
