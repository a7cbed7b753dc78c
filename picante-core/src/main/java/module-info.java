/**
 * picante-core: the incremental query runtime.
 *
 * <p>Exports its API ({@code dev.picante}) and the SPI of durable stores ({@code dev.picante.persist});
 * the engine ({@code dev.picante.internal}) is not exported. The JSpecify nullness annotations appear in
 * the API, so readers of this module read them too; they are not needed at run time (as in Caffeine).
 */
module dev.picante {
    requires static transitive org.jspecify;

    exports dev.picante;
    exports dev.picante.persist;
}
