package io.tokenflow.core;

/**
 * A save would have replaced a credential that has a refresh token with one that has none;
 * refused, nothing was written. Clear the store first if that is really meant.
 */
public final class CredentialDowngradeException extends TokenflowException {

    private static final long serialVersionUID = 1L;

    private CredentialDowngradeException(String message) {
        super(message, null, null, null, true);
    }

    public static CredentialDowngradeException refreshTokenWouldBeLost(String store) {
        return new CredentialDowngradeException("refusing to replace a credential that has a refresh token with one "
                + "that has none in " + store + "; clear the store first to do this on purpose");
    }
}
