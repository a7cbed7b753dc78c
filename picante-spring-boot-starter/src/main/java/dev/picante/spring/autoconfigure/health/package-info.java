/**
 * Auto-configuration of the health indicator {@code picante} ({@link dev.picante.spring.actuate.health}).
 */
@NullMarked
package dev.picante.spring.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
