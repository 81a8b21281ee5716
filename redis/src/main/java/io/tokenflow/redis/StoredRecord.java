package io.tokenflow.redis;

import io.lettuce.core.KeyValue;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One read of a credential's record (the hash), as Redis holds it: nothing here is secret but
 * {@link #blob()}, which is sealed unless the store is plaintext.
 *
 * @param epoch the record's history ({@code null}: no record)
 * @param gen its generation, incremented by every save and clear (0 without a record, or before the first save)
 * @param blob the sealed credential; empty when none is stored (cleared, or claimed before the first save)
 * @param keyId the key that sealed the blob, or {@code plaintext}
 * @param hasRefreshToken whether the stored credential has a refresh token
 * @param claimFence the fence of the claim on this generation, 0 without a claim
 */
record StoredRecord(@Nullable String epoch, long gen, String blob, String keyId, boolean hasRefreshToken, long claimFence) {

    static final StoredRecord ABSENT = new StoredRecord(null, 0, "", "", false, 0);

    static StoredRecord of(List<KeyValue<String, String>> fields) {
        if (fields.isEmpty()) {
            return ABSENT;
        }
        Map<String, String> f = fields.stream().filter(KeyValue::hasValue)
                .collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue, (a, b) -> b));
        return new StoredRecord(f.get("epoch"), number(f.get("gen")), f.getOrDefault("blob", ""), f.getOrDefault("kid", ""),
                "1".equals(f.get("has_rt")), number(f.get("claim_fence")));
    }

    private static long number(@Nullable String text) {
        return text == null || text.isEmpty() ? 0 : Long.parseLong(text);
    }

    boolean absent() {
        return epoch == null;
    }

    boolean holdsCredential() {
        return !blob.isEmpty();
    }
}
