package dev.picante;

/**
 * The stable identity of one interned value, usable inside keys and values of other ingredients.
 * Ids are issued per {@link InternedIngredient}, densely from zero.
 *
 * @param value the id's number within its table
 */
public record InternId(int value) {
}
