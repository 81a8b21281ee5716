/** Usage examples; the Java in README.md and docs/ is taken from tagged regions here. */
@NullMarked
package io.tokenflow.examples;

import org.jspecify.annotations.NullMarked;
