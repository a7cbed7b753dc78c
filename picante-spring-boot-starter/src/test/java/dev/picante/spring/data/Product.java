package dev.picante.spring.data;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.annotation.Version;

/** A product of the test catalog: an aggregate of one table, with a version column. */
public record Product(@Id @Nullable Long id, String name, String category, int price, @Version @Nullable Long version) {

    static Product of(String name, String category, int price) {
        return new Product(null, name, category, price, null);
    }

    Product withPrice(int newPrice) {
        return new Product(id, name, category, newPrice, version);
    }

    Product withCategory(String newCategory) {
        return new Product(id, name, newCategory, price, version);
    }
}
