package io.tokenflow.redis;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jspecify.annotations.Nullable;

/**
 * The credential at rest: AES-256-GCM (JCA, 96-bit random nonce, 128-bit tag) with the record's
 * key prefix, name, epoch and generation as associated data, so that a blob cannot be moved to
 * another credential or replayed as another generation; or, when chosen, plaintext JSON.
 *
 * <p>An encrypted blob is {@code <key id>.<nonce>.<ciphertext and tag>} (base64url, read from the
 * right: a key id may contain dots); the key id is
 * also kept in the record's {@code kid} field, a plaintext record's {@code kid} is {@value #PLAINTEXT}.
 * Any key of the keyring opens a blob; new blobs are sealed with the active key. Messages name
 * the store, the key id and the generation, never content. GCM on a small credential takes
 * microseconds: fine on an event loop.
 */
final class BlobCipher {

    static final String PLAINTEXT = "plaintext";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final @Nullable Map<String, SecretKey> keys;
    private final @Nullable String activeKeyId;
    private final Ids ids;

    private BlobCipher(@Nullable Map<String, SecretKey> keys, @Nullable String activeKeyId, Ids ids) {
        this.keys = keys;
        this.activeKeyId = activeKeyId;
        this.ids = ids;
    }

    static BlobCipher of(RedisStoreSettings settings, Ids ids) {
        return new BlobCipher(settings.keys(), settings.activeKeyId(), ids);
    }

    /** A sealed blob and the id of the key that sealed it ({@value #PLAINTEXT} for none). */
    record Sealed(String blob, String keyId) {
    }

    /** Seals {@code json} for {@code aad}. After the store's {@link Ids#ready()}. */
    Sealed seal(byte[] json, String aad) {
        if (keys == null || activeKeyId == null) {
            return new Sealed(new String(json, StandardCharsets.UTF_8), PLAINTEXT);
        }
        byte[] nonce = new byte[NONCE_BYTES];
        ids.nextBytes(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = gcm.doFinal(json);
            return new Sealed(activeKeyId + "." + B64.encodeToString(nonce) + "." + B64.encodeToString(sealed), activeKeyId);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available to seal the credential: " + e.getClass().getSimpleName(), null);
        }
    }

    /**
     * Opens the blob of generation {@code gen} for {@code aad}.
     *
     * @param where names the record in messages, e.g. {@code redis redis://host:6379/{api} (generation 7)}
     * @throws IllegalStateException for a blob this store cannot open: plaintext where a keyring is
     *     configured or the other way round, an unknown key id, a wrong key, or a blob altered or
     *     copied from another credential or generation
     */
    byte[] open(String blob, String keyId, String aad, String where) {
        if (PLAINTEXT.equals(keyId)) {
            if (keys != null) {
                throw new IllegalStateException("the credential in " + where + " is stored in plaintext, but this store "
                        + "encrypts: refusing an unencrypted record; write the credential again through this store");
            }
            return blob.getBytes(StandardCharsets.UTF_8);
        }
        if (keys == null) {
            throw new IllegalStateException("the credential in " + where + " is encrypted with key '" + keyId
                    + "', but this store was built with plaintext(): give it the keyring");
        }
        String[] parts = parts(blob);
        SecretKey key = parts.length == 3 ? keys.get(parts[0]) : null;
        if (parts.length != 3) {
            throw new IllegalStateException("the credential in " + where + " is not a sealed blob (expected key id, nonce and "
                    + "ciphertext)");
        }
        if (key == null) {
            throw new IllegalStateException("the credential in " + where + " is encrypted with key '" + parts[0]
                    + "', which this store's keyring does not have (it has " + new TreeSet<>(keys.keySet()) + ")");
        }
        try {
            byte[] nonce = B64D.decode(parts[1]);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return gcm.doFinal(B64D.decode(parts[2]));
        } catch (AEADBadTagException | IllegalArgumentException | java.security.ProviderException e) {
            throw new IllegalStateException("the credential in " + where + " cannot be decrypted with key '" + parts[0]
                    + "': a wrong key, or the record was altered or copied from another credential or generation", null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the credential in " + where + " cannot be decrypted: " + e.getClass().getSimpleName(),
                    null);
        }
    }

    /**
     * Key id, nonce and ciphertext of a sealed blob, split at its last two dots: a key id may
     * contain dots, base64url never does. Fewer than three parts when it is not a sealed blob.
     */
    private static String[] parts(String blob) {
        int last = blob.lastIndexOf('.');
        int nonce = last > 0 ? blob.lastIndexOf('.', last - 1) : -1;
        if (nonce <= 0) {
            return new String[0];
        }
        return new String[] {blob.substring(0, nonce), blob.substring(nonce + 1, last), blob.substring(last + 1)};
    }

    boolean encrypts() {
        return keys != null;
    }
}
