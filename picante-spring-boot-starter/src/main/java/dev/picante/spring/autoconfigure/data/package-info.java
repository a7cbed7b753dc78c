/**
 * Auto-configuration of repository-backed inputs ({@link dev.picante.spring.data}): Spring Data JDBC
 * repositories annotated {@link dev.picante.spring.data.PicanteInput @PicanteInput} mirrored as picante
 * inputs, configured from {@code picante.data.*}.
 */
@NullMarked
package dev.picante.spring.autoconfigure.data;

import org.jspecify.annotations.NullMarked;
