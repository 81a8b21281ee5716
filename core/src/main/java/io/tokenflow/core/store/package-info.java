/**
 * Where credentials live between refreshes: the {@link io.tokenflow.core.store.CredentialStore}
 * SPI, an in-memory store (the default) and {@code FileCredentialStore}, a JSON file that
 * several processes can share.
 */
@NullMarked
package io.tokenflow.core.store;

import org.jspecify.annotations.NullMarked;
