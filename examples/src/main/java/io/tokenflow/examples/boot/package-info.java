/** The Spring Boot variant of the demo: {@link io.tokenflow.examples.boot.BootDemo}, configured by {@code application.yml}. */
@NullMarked
package io.tokenflow.examples.boot;

import org.jspecify.annotations.NullMarked;
