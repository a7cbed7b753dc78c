package dev.picante.spring.autoconfigure.actuate.endpoint;

import java.util.HashSet;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code picante} actuator endpoint, bound from {@code picante.actuator.*}.
 *
 * <p>A separate class from {@link dev.picante.spring.autoconfigure.PicanteProperties} because it uses
 * actuator's {@link Show}: binding it must not load actuator classes in applications without actuator.
 */
@ConfigurationProperties("picante.actuator")
public class PicanteEndpointProperties {

    /**
     * When to show keys, values and explanations in the endpoint's answers: never, when-authorized (to a
     * user in one of picante.actuator.roles, or any authenticated user when no roles are set) or always.
     */
    private Show showValues = Show.NEVER;

    /**
     * Roles that may see keys and values when show-values is when-authorized. When empty, every
     * authenticated user may.
     */
    private Set<String> roles = new HashSet<>();

    /** Returns when keys and values are shown. */
    public Show getShowValues() {
        return showValues;
    }

    /** Sets when keys and values are shown. */
    public void setShowValues(Show showValues) {
        this.showValues = showValues;
    }

    /** Returns the roles that may see keys and values. */
    public Set<String> getRoles() {
        return roles;
    }

    /** Sets the roles that may see keys and values. */
    public void setRoles(Set<String> roles) {
        this.roles = roles;
    }
}
