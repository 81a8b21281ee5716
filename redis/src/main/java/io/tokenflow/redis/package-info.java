/**
 * {@link io.tokenflow.redis.RedisCredentialStore}: one credential shared by many hosts, kept in
 * Redis through Lettuce's reactive API.
 */
@NullMarked
package io.tokenflow.redis;

import org.jspecify.annotations.NullMarked;
