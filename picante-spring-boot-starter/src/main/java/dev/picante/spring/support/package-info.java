/**
 * Helpers shared by the starter's lifecycles (the durable store's, the repository inputs'). Not part of the
 * starter's API: its types may change without notice.
 */
@NullMarked
package dev.picante.spring.support;

import org.jspecify.annotations.NullMarked;
