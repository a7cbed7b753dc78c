package dev.picante.spring.data;

import dev.picante.spring.QueryFunction;
import java.util.List;
import org.springframework.stereotype.Component;

/** Query functions over the products; their ingredients are {@code catalog.<method>}. */
@Component("catalog")
public class Catalog {

    private final RepositoryInput<Long, Product> products;

    public Catalog(RepositoryInputs inputs) {
        this.products = inputs.of(ProductRepository.class);
    }

    /** The sum of the prices of a category's products. */
    @QueryFunction
    public int categoryTotal(String category) {
        int total = 0;
        for (Product p : products.all("category", category)) {
            total += p.price();
        }
        return total;
    }

    /** How many products there are. */
    @QueryFunction
    public int productCount() {
        return products.ids().size();
    }

    /** The name of one product, or "-" without one. */
    @QueryFunction
    public String productName(Long id) {
        return products.get(id).map(Product::name).orElse("-");
    }

    /** The names of all products, in id order. */
    @QueryFunction
    public List<String> names() {
        return products.all().stream().map(Product::name).toList();
    }
}
