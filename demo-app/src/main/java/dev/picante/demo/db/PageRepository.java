package dev.picante.demo.db;

import dev.picante.spring.data.PicanteInput;
import org.springframework.data.repository.ListCrudRepository;

/**
 * The pages of {@code demo.docs.source=database}, declared as the picante input {@code pageTable}: its saves and
 * deletes become input changes when their transaction commits (one revision per transaction), and the table is
 * reconciled with the input at startup.
 */
@PicanteInput("pageTable")
public interface PageRepository extends ListCrudRepository<DocPage, String> {
}
