/**
 * Test support for tokenflow and for the tests of applications that use it, as {@code reactor-test}
 * is for Reactor. Add {@code io.tokenflow:tokenflow-test} with {@code <scope>test</scope>}; it does
 * not depend on {@code tokenflow-core}, so it fits any version of it.
 *
 * <p>{@link io.tokenflow.test.EmbeddedAuthorizationServer}: an OAuth 2.0 token endpoint on loopback
 * that issues opaque tokens, rotates refresh tokens with reuse detection, and can be switched at
 * runtime into the faults a real token endpoint shows (503, WAF page, slow, {@code invalid_grant}).
 */
@NullMarked
package io.tokenflow.test;

import org.jspecify.annotations.NullMarked;
