package dev.picante.spring.autoconfigure;

import dev.picante.Database;

/**
 * Customizes the {@link Database.Builder} of the auto-configured {@link Database} before it is built, for
 * example to set an executor or a state weigher, or for a durable store to take part in the database's
 * creation. Beans of this type are applied in {@link org.springframework.core.Ordered order}; none is
 * applied when the application defines its own {@code Database}.
 */
@FunctionalInterface
public interface PicanteDatabaseCustomizer {

    /** Customizes {@code builder}, which already holds the {@code picante.*} properties. */
    void customize(Database.Builder builder);
}
