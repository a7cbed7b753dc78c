package dev.picante.benchmarks;

import org.springframework.data.annotation.Id;

/** An aggregate of the repository benchmark: a priced item of one category. */
public record Item(@Id Long id, String category, long price) {
}
