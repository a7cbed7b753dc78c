package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The Markdown that real mdBook books write beyond CommonMark, as mdBook renders it. Found by serving the Rust book
 * ({@code rust-lang/book}, {@code src/}): its operator and keyword tables showed as paragraphs of pipes, and
 * {@code ch08-03-hash-maps}'s footnote {@code [^siphash]: [https://...](https://...)} was read as a link reference
 * definition, so {@code tables[^siphash]} became a link to a missing page, struck out and listed as broken.
 */
class MarkdownTests {

    @Test
    void aTableIsRenderedAsATableAndItsCellsAreSearchedAndLinked() {
        DocsQueries.Parsed parsed = Markdown.parse("appendix/operators", """
                # Operators

                | Operator | Example | Explanation |
                |----------|---------|-------------|
                | `!` | `ident!(...)` | Macro expansion, see [macros](macros.md) |
                """);

        assertThat(parsed.html()).contains("<table>", "<th>Operator</th>", "<td><code>!</code></td>",
                "<a href=\"/docs/appendix/macros\">macros</a>").doesNotContain("| Operator |");
        assertThat(parsed.links()).containsExactly("appendix/macros");
        assertThat(parsed.words().split(" ")).contains("expansion", "operator");
    }

    @Test
    void aFootnoteIsAFootnoteNotALinkToAMissingPage() {
        DocsQueries.Parsed parsed = Markdown.parse("ch08-03-hash-maps", """
                # Hash Maps

                It uses SipHash, which resists denial-of-service attacks on hash tables[^siphash].

                [^siphash]: [https://en.wikipedia.org/wiki/SipHash](https://en.wikipedia.org/wiki/SipHash)
                """);

        assertThat(parsed.links()).as("no page link").isEmpty();
        assertThat(parsed.html()).contains("<sup class=\"footnote-ref\">", "href=\"#fn-siphash\"",
                "<a href=\"https://en.wikipedia.org/wiki/SipHash\">https://en.wikipedia.org/wiki/SipHash</a>");
        assertThat(parsed.html()).doesNotContain("/docs/%5B");
        assertThat(Markdown.markBroken(parsed.html(), parsed.links())).isEqualTo(parsed.html());
    }

    @Test
    void aFootnotesTextIsSearched() {
        DocsQueries.Parsed parsed = Markdown.parse("notes", """
                # Notes

                Hashing is randomised[^why].

                [^why]: Flooding resistance, see [SipHash](https://en.wikipedia.org/wiki/SipHash).
                """);

        assertThat(parsed.words().split(" ")).contains("hashing", "flooding", "resistance", "siphash");
    }

    @Test
    void strikethroughIsDeletedText() {
        DocsQueries.Parsed parsed = Markdown.parse("page", "# Page\n\nThis is ~~gone~~ here.\n");

        assertThat(parsed.html()).contains("<del>gone</del>").doesNotContain("~~");
    }
}
