package dev.picante.spring.data;

import org.springframework.data.repository.ListCrudRepository;

/** The products, mirrored as the input {@code products} with an index by category. */
@PicanteInput(value = "products", groupBy = "category")
public interface ProductRepository extends ListCrudRepository<Product, Long> {
}
