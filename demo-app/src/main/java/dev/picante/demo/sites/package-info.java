/** Generated documentation sites shaped like real ones, for trying the demo at scale and for its benchmarks. */
@NullMarked
package dev.picante.demo.sites;

import org.jspecify.annotations.NullMarked;
