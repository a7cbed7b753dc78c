/**
 * The health indicator {@code picante} of the durable store: up while the store's last operation succeeded
 * and its database answers, down with the error otherwise.
 */
@NullMarked
package dev.picante.spring.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
