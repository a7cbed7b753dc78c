package dev.picante.spring.readme;

import dev.picante.spring.Input;
import dev.picante.spring.QueryFunction;
import java.util.List;
import org.springframework.stereotype.Service;

/** The README's starter example: the query functions. Keep the two in sync. */
@Service
public class WordCounter {

    private final Input<String, String> pages;

    public WordCounter(Input<String, String> pages) {
        this.pages = pages;
    }

    @QueryFunction                                            // derived ingredient "wordCounter.words"
    public int words(String page) {
        return pages.require(page).split("\\s+").length;      // a read: a dependency
    }

    @QueryFunction(name = "total")                            // an explicit name
    public int total(List<String> names) {
        int total = 0;
        for (String name : names) {
            total += words(name);                             // a call on this: a dependency too
        }
        return total;
    }
}
