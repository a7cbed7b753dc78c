package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The "Core example" of the repository's README.md, with its printed values as assertions. Keep the
 * two in sync: a change here is a change there.
 */
class ReadmeExampleTest {

    @Test
    void readmeCoreExampleBehavesAsDocumented() {
        Database db = Database.create();

        // Inputs: what the application writes.
        InputIngredient<String, String> pages = db.input("pages", String.class, String.class);

        // A derived query: memoized, with what it read recorded through ctx.
        DerivedIngredient<String, Integer> wordCount = db.derived("wordCount", String.class, Integer.class,
                (ctx, page) -> pages.require(ctx, page).split("\\s+").length);

        pages.set(db, "intro", "picante remembers what it computed");
        pages.set(db, "faq", "what is an input");
        // Each System.out.println(x); // y of the README is assertThat(x).isEqualTo("y") here.
        assertThat(wordCount.get(db, "intro") + " words, " + computations(db)).isEqualTo("5 words, 1");

        pages.set(db, "faq", "what is a derived query");        // an unrelated change
        assertThat(wordCount.get(db, "intro") + " words, " + computations(db)).isEqualTo("5 words, 1");   // reused

        Snapshot before = db.snapshot();                        // O(1) fork of the whole database
        pages.set(db, "intro", "picante recomputes only what an edit affects");
        assertThat(wordCount.get(db, "intro") + " words, " + computations(db)).isEqualTo("7 words, 2");   // recomputed
        assertThat(wordCount.get(before, "intro") + " in the snapshot").isEqualTo("5 in the snapshot");   // the old page
    }

    private static long computations(Database db) {
        return db.inspector().ingredient("wordCount").counters().computations();
    }
}
