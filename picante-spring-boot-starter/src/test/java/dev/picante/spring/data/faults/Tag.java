package dev.picante.spring.data.faults;

import org.springframework.data.annotation.Id;

/** An aggregate whose id type compares by identity: it cannot key an input. */
public record Tag(@Id TagCode code, String label) {

    /** An id class without equals and hashCode. */
    public static final class TagCode {

        public final String value;

        public TagCode(String value) {
            this.value = value;
        }
    }
}
