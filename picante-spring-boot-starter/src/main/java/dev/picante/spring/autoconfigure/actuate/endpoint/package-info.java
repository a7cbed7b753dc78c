/**
 * Auto-configuration of the actuator endpoint {@code picante} ({@link dev.picante.spring.actuate.endpoint}).
 */
@NullMarked
package dev.picante.spring.autoconfigure.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
