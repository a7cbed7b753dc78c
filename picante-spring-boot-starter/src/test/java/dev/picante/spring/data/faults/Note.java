package dev.picante.spring.data.faults;

import org.springframework.data.annotation.Id;

/** A mutable aggregate class without equals: every save would look like a change. */
public class Note {

    @Id
    public Long id;

    public String text = "";
}
