package dev.picante.spring.data.faults;

import dev.picante.spring.data.PicanteInput;
import org.springframework.data.repository.CrudRepository;

/** Declares {@link Note} an input, which its missing equals does not allow. */
@PicanteInput
public interface NoteRepository extends CrudRepository<Note, Long> {
}
