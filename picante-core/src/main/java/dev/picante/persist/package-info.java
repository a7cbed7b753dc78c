/**
 * The persistence SPI: a database's state as plain {@linkplain dev.picante.persist.StateImage images} of
 * per-ingredient {@linkplain dev.picante.persist.Section sections} of
 * {@linkplain dev.picante.persist.StoredRecord records}, for a durable store to encode with a
 * {@link dev.picante.persist.Codec} and write. The core knows how to export and import images
 * ({@link dev.picante.Database#exportState()}, {@link dev.picante.Database#exportChangesSince},
 * {@link dev.picante.Database#importState}, {@link dev.picante.Database#applyChanges}); it ships no store
 * and no codec that needs a library.
 */
@NullMarked
package dev.picante.persist;

import org.jspecify.annotations.NullMarked;
