package dev.picante.demo;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import org.springframework.stereotype.Component;

/**
 * A tiny incremental computation over the application's {@link Database}: the input
 * {@code greetings} holds a salutation per language, and the derived query {@code greeting} builds
 * the greeting of one name from the English salutation.
 *
 * <p>A greeting is computed once per name and then reused until the salutation it read changes;
 * writing another language's salutation does not recompute it. Thread-safe.
 */
@Component
public class Greetings {

    /** The language whose salutation {@code greeting} reads. */
    static final String LANGUAGE = "en";

    private final Database database;
    private final InputIngredient<String, String> salutations;
    private final DerivedIngredient<String, String> greeting;

    /** Registers the ingredients on {@code database} and seeds the English and French salutations. */
    public Greetings(Database database) {
        this.database = database;
        this.salutations = database.input("greetings", String.class, String.class);
        this.greeting = database.derived("greeting", String.class, String.class,
                (ctx, name) -> salutations.require(ctx, LANGUAGE) + ", " + name + "!");
        salutations.set(database, "en", "Hello");
        salutations.set(database, "fr", "Bonjour");
    }

    /** Returns the greeting of {@code name}, computing it only if it is not memoized and valid. */
    public Greeting greet(String name) {
        long before = computations();
        String text = greeting.get(database, name);
        long after = computations();
        return new Greeting(name, text, after > before, after, database.revision().value());
    }

    /** Sets the salutation of one language; returns the database's revision after the write. */
    public Revision setSalutation(String language, String salutation) {
        return salutations.set(database, language, salutation);
    }

    /** Returns how many times the {@code greeting} query has been computed in this database. */
    public long computations() {
        return database.inspector().ingredient(greeting.name()).counters().computations();
    }

    /**
     * One answer of {@link #greet}.
     *
     * @param name the name greeted
     * @param greeting the greeting
     * @param computed whether the compute function ran for this answer (when other requests compute
     *     concurrently, it may be true for an answer that was reused)
     * @param computations how many times {@code greeting} has been computed so far, for any name
     * @param revision the database's revision after the answer
     */
    public record Greeting(String name, String greeting, boolean computed, long computations, long revision) {
    }
}
