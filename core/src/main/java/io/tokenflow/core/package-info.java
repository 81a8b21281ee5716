/**
 * The token engine: {@link io.tokenflow.core.TokenService} hands out a fresh OAuth 2.0 access
 * token from one shared, cached refresh; classifies token-endpoint failures; retries the
 * transient ones; and publishes its {@link io.tokenflow.core.WorkloadState}.
 */
@NullMarked
package io.tokenflow.core;

import org.jspecify.annotations.NullMarked;
