/**
 * An embedded OAuth 2.0 authorization server for demos and tests: a token endpoint on
 * loopback that issues opaque tokens, rotates refresh tokens with reuse detection, and can
 * be switched at runtime into the faults a real token endpoint shows (503, WAF page, slow,
 * {@code invalid_grant}).
 *
 * <p>The only public type is {@link io.tokenflow.examples.server.EmbeddedAuthorizationServer}.
 */
@NullMarked
package io.tokenflow.examples.server;

import org.jspecify.annotations.NullMarked;
