package dev.picante.spring.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of picante, bound from {@code picante.*}.
 *
 * <p>A mutable JavaBean, as Spring Boot binds it; not thread-safe, and read once when the
 * {@link dev.picante.Database} bean is created.
 */
@ConfigurationProperties("picante")
public class PicanteProperties {

    /**
     * Whether to enable the picante auto-configuration.
     */
    private boolean enabled = true;

    /**
     * Name of the database, as shown in error messages and by the inspector.
     */
    private String name = "picante";

    /**
     * Maximum size of the database's inputs and interned values, across all views. A write that
     * would go past it fails with a LimitExceededException and changes nothing. Unlimited when not
     * set.
     */
    private @Nullable DataSize stateByteLimit;

    /**
     * Maximum number of finished results kept for adoption by other views (snapshots, and the
     * database adopting from snapshots). 0 turns the shared cache off.
     */
    private int sharedCacheMaxEntries = 10_000;

    private final Web web = new Web();

    /** Returns whether the auto-configuration is enabled. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets whether the auto-configuration is enabled. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Returns the database's name. */
    public String getName() {
        return name;
    }

    /** Sets the database's name. */
    public void setName(String name) {
        this.name = name;
    }

    /** Returns the state byte limit, or {@code null} for no limit. */
    public @Nullable DataSize getStateByteLimit() {
        return stateByteLimit;
    }

    /** Sets the state byte limit; {@code null} means no limit. */
    public void setStateByteLimit(@Nullable DataSize stateByteLimit) {
        this.stateByteLimit = stateByteLimit;
    }

    /** Returns the maximum number of entries of the shared cache. */
    public int getSharedCacheMaxEntries() {
        return sharedCacheMaxEntries;
    }

    /** Sets the maximum number of entries of the shared cache. */
    public void setSharedCacheMaxEntries(int sharedCacheMaxEntries) {
        this.sharedCacheMaxEntries = sharedCacheMaxEntries;
    }

    /** Returns the web settings. */
    public Web getWeb() {
        return web;
    }

    /** Web settings ({@code picante.web.*}). */
    public static class Web {

        /**
         * Whether to read every query function called while handling a web request (Spring MVC or
         * WebFlux) from a snapshot of the database taken when the request starts.
         */
        private boolean requestSnapshots = true;

        /** Returns whether requests read from snapshots. */
        public boolean isRequestSnapshots() {
            return requestSnapshots;
        }

        /** Sets whether requests read from snapshots. */
        public void setRequestSnapshots(boolean requestSnapshots) {
            this.requestSnapshots = requestSnapshots;
        }
    }
}
