package dev.picante.spring.autoconfigure.data;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of repository-backed inputs ({@code picante.data.*}).
 */
@ConfigurationProperties("picante.data")
public class PicanteDataProperties {

    /** Whether to mirror @PicanteInput repositories as picante inputs. */
    private boolean enabled = true;

    /**
     * Whether to reconcile every repository input with its table at startup, after the durable store's load:
     * picks up rows changed while the application was down, or by other programs.
     */
    private boolean reconcileOnStartup = true;

    /**
     * How often to poll the tables of aggregates with a @Version property for rows changed by other
     * programs (only ids and versions are read); none by default.
     */
    private @Nullable Duration pollInterval;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isReconcileOnStartup() {
        return reconcileOnStartup;
    }

    public void setReconcileOnStartup(boolean reconcileOnStartup) {
        this.reconcileOnStartup = reconcileOnStartup;
    }

    public @Nullable Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(@Nullable Duration pollInterval) {
        this.pollInterval = pollInterval;
    }
}
