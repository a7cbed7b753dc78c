package dev.picante;

/**
 * Names one record: an ingredient and a key, as shown in error messages ({@code render(page-3)}).
 *
 * @param ingredient the ingredient's name
 * @param key the key
 */
public record QueryRef(String ingredient, Object key) {

    @Override
    public String toString() {
        return ingredient + "(" + key + ")";
    }
}
