/**
 * Auto-configuration of picante for Spring Boot: the {@link dev.picante.Database} bean and the
 * {@code picante.*} configuration properties.
 */
@NullMarked
package dev.picante.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
