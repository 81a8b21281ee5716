/**
 * Test support for tokenflow and for the tests of applications that use it, as {@code reactor-test}
 * is for Reactor. Add {@code io.tokenflow:tokenflow-test} with {@code <scope>test</scope>}; it does
 * not depend on {@code tokenflow-core}, so it serves any code that talks OAuth 2.0.
 *
 * <ul>
 *   <li>{@link io.tokenflow.test.EmbeddedAuthorizationServer} (configured by
 *       {@link io.tokenflow.test.AuthorizationServerBuilder}): a token endpoint and discovery
 *       metadata on loopback; rotates refresh tokens with reuse detection
 *       ({@link io.tokenflow.test.RefreshTokenFamily}), switches into the faults real servers show,
 *       answers from a script ({@link io.tokenflow.test.ScriptedAnswer}) and holds requests where a
 *       test needs them ({@link io.tokenflow.test.RequestHold}).
 *   <li>{@link io.tokenflow.test.TestScheduler}: a {@code Scheduler} whose clock the test moves and
 *       whose tasks it counts.
 *   <li>{@link io.tokenflow.test.Loopback}, {@link io.tokenflow.test.Await}: servers and URLs on
 *       {@code 127.0.0.1}, bounded waits.
 *   <li>{@link io.tokenflow.test.LogCapture}, {@link io.tokenflow.test.SecretScan},
 *       {@link io.tokenflow.test.SecretScanExtension}: what was logged, and that no secret was.
 *   <li>{@link io.tokenflow.test.VirtualTimeBlockHoundIntegration}: applied by BlockHound by itself.
 * </ul>
 */
@NullMarked
package io.tokenflow.test;

import org.jspecify.annotations.NullMarked;
