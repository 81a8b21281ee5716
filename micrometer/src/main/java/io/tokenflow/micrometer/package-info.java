/**
 * Micrometer meters and observations of {@link io.tokenflow.core.TokenService}s:
 * {@link io.tokenflow.micrometer.TokenflowMetrics}.
 */
@NullMarked
package io.tokenflow.micrometer;

import org.jspecify.annotations.NullMarked;
