/**
 * The health indicator {@code picante} of the durable store: up while the store's last operation succeeded
 * and its database answers, down with the error otherwise. Its auto-configuration is in
 * {@code dev.picante.spring.autoconfigure.health}.
 */
@NullMarked
package dev.picante.spring.actuate.health;

import org.jspecify.annotations.NullMarked;
