package dev.picante.benchmarks;

import dev.picante.spring.data.PicanteInput;
import java.util.List;
import org.springframework.data.repository.ListCrudRepository;

/** The items, mirrored as the input {@code items} with an index by category. */
@PicanteInput(value = "items", groupBy = "category")
public interface ItemRepository extends ListCrudRepository<Item, Long> {

    /** For the {@code @Cacheable} peer: the items of one category, read from the table. */
    List<Item> findByCategory(String category);
}
