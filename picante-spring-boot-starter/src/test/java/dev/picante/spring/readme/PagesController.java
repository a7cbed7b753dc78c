package dev.picante.spring.readme;

import dev.picante.spring.Input;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The README's starter example: the controller. Keep the two in sync. */
@RestController
class PagesController {

    private final Input<String, String> pages;
    private final WordCounter counter;

    PagesController(Input<String, String> pages, WordCounter counter) {
        this.pages = pages;
        this.counter = counter;
    }

    @PutMapping("/pages/{name}")
    long put(@PathVariable String name, @RequestBody String text) {
        return pages.set(name, text).value();                 // a write: the database's new revision
    }

    @GetMapping("/words")
    int words(@RequestParam List<String> names) {
        return counter.total(names);                          // memoized; recomputed only after an edit
    }
}
