/** The runnable demo: tokenflow through an outage, a revoked refresh token and an operator's fix. */
@NullMarked
package io.tokenflow.examples.demo;

import org.jspecify.annotations.NullMarked;
