package dev.picante.spring.autoconfigure.web;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Query functions over an input {@code pages} for the web tests, and the latches a handler waits on
 * between two reads.
 */
public class PageStats {

    private final Input<String, String> pages;

    /** Set by a test: counted down by the handler after its first read. */
    public volatile CountDownLatch firstReadDone = new CountDownLatch(1);

    /** Set by a test: awaited by the handler before its second read. */
    public volatile CountDownLatch writeDone = new CountDownLatch(0);

    public PageStats(Input<String, String> pages) {
        this.pages = pages;
    }

    @QueryFunction(name = "words")
    public Integer words(String page) {
        return pages.require(page).split("\\s+").length;
    }

    @QueryFunction(name = "chars")
    public Integer chars(String page) {
        return pages.require(page).length();
    }

    /** Reads words, signals, waits for the test's write, then reads chars: "words,chars". */
    public String pair(String page) throws InterruptedException {
        int words = words(page);
        firstReadDone.countDown();
        if (!writeDone.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the write did not happen");
        }
        return words + "," + chars(page);
    }

    /** Declares the input. */
    @Configuration(proxyBeanMethods = false)
    public static class PagesConfiguration {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            Input<String, String> pages = views.input("pages", String.class, String.class);
            pages.set("a", "one two three");
            return pages;
        }
    }
}
