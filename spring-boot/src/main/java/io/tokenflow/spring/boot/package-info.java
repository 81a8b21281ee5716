/**
 * Spring Boot auto-configuration of tokenflow: {@link io.tokenflow.spring.boot.TokenflowAutoConfiguration}
 * turns {@code tokenflow.*} properties into named clients, adds their tokens to the context's
 * {@code WebClient.Builder}, and reports them to Actuator (health, endpoint, metrics).
 */
@NullMarked
package io.tokenflow.spring.boot;

import org.jspecify.annotations.NullMarked;
