/**
 * Adapters between a {@link io.tokenflow.core.TokenService} and HTTP clients and servers:
 * {@link io.tokenflow.http.TokenExchangeFilter} for Spring's {@code WebClient},
 * {@link io.tokenflow.http.ReactorNettyTokens} for a plain Reactor Netty {@code HttpClient}, and
 * {@link io.tokenflow.http.StatusRoutes} for {@code /status}, {@code /status/stream} and
 * {@code /health} on a Reactor Netty {@code HttpServer}.
 *
 * <p>Spring WebFlux is an optional dependency: only {@code TokenExchangeFilter} needs it.
 */
@NullMarked
package io.tokenflow.http;

import org.jspecify.annotations.NullMarked;
