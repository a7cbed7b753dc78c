package dev.picante.spring.data.faults;

import dev.picante.spring.data.PicanteInput;
import org.springframework.data.repository.CrudRepository;

/** Declares {@link Tag} an input, which its id type does not allow. */
@PicanteInput
public interface TagRepository extends CrudRepository<Tag, Tag.TagCode> {
}
