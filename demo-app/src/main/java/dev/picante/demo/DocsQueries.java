package dev.picante.demo;

import dev.picante.spring.Input;
import dev.picante.spring.QueryFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.commonmark.node.Node;
import org.springframework.stereotype.Service;
import org.springframework.web.util.HtmlUtils;

/**
 * Every derived view of the documentation site, as picante query functions over two inputs: {@code pages}
 * (page path to Markdown text) and {@code site} (the sorted list of page paths, under {@link #SITE}).
 *
 * <p>The graph is shaped for early cutoff: {@link #title}, {@link #links} and {@link #mentions} usually
 * compute the value they had, so an edit of a page's body recomputes that page's {@code parse} and
 * {@code render} (and {@code page}) and stops there: {@link #navigation} reads only titles, {@link #linkGraph}
 * only links, {@link #termIndex} only {@code mentions} of its term. Creating or deleting a page changes
 * {@code site}, which {@link #exists} and {@link #navigation} read.
 *
 * <p>{@link #title} and {@link #links} parse the page's text themselves rather than read {@link #parse}: after
 * any edit, the next page served revalidates the navigation (every page's title) and the link graph (every
 * page's links), and one level less per page halves that walk. {@link #parse} feeds search.
 *
 * <p>Every method notes its run in the {@link EditLog}, which the status page and the tests read.
 */
@Service
public class DocsQueries {

    /** The key of the {@code site} input. */
    public static final String SITE = "all";

    private final Input<String, String> pages;
    private final Input<String, PageIndex> site;
    private final EditLog log;

    /** Creates the queries over the {@code pages} and {@code site} inputs. */
    public DocsQueries(Input<String, String> pages, Input<String, PageIndex> site, EditLog log) {
        this.pages = pages;
        this.site = site;
        this.log = log;
    }

    /** Parses a page: its title, the pages it links to, its words (which search reads). */
    @QueryFunction
    public Parsed parse(String path) {
        log.computed("parse", path);
        Node document = Markdown.parse(pages.require(path));
        return new Parsed(Markdown.title(document, path), Markdown.links(document, path),
                Set.copyOf(Markdown.words(document)));
    }

    /** The page's title: changes only when the first heading does. */
    @QueryFunction
    public String title(String path) {
        log.computed("title", path);
        return Markdown.title(Markdown.parse(pages.require(path)), path);
    }

    /** The pages this page links to. */
    @QueryFunction
    public Paths links(String path) {
        log.computed("links", path);
        return new Paths(Markdown.links(Markdown.parse(pages.require(path)), path));
    }

    /** Whether a page exists. */
    @QueryFunction
    public Boolean exists(String path) {
        log.computed("exists", path);
        return Collections.binarySearch(site.require(SITE).paths(), path) >= 0;
    }

    /** The pages this page links to that do not exist. */
    @QueryFunction
    public Paths brokenLinks(String path) {
        log.computed("brokenLinks", path);
        List<String> broken = new ArrayList<>();
        for (String target : links(path).paths()) {
            if (!exists(target)) {
                broken.add(target);
            }
        }
        return new Paths(broken);
    }

    /** The page's body as HTML, links to missing pages marked. */
    @QueryFunction
    public String render(String path) {
        log.computed("render", path);
        return Markdown.render(Markdown.parse(pages.require(path)), path, Set.copyOf(brokenLinks(path).paths()));
    }

    /** The titles of all pages, by path. */
    @QueryFunction
    public Navigation navigation() {
        log.computed("navigation", "");
        List<Navigation.Entry> entries = new ArrayList<>();
        for (String path : site.require(SITE).paths()) {
            entries.add(new Navigation.Entry(path, title(path)));
        }
        return new Navigation(entries);
    }

    /** For every page, the pages linking to it. */
    @QueryFunction
    public LinkGraph linkGraph() {
        log.computed("linkGraph", "");
        Map<String, List<String>> incoming = new TreeMap<>();
        for (String source : site.require(SITE).paths()) {
            for (String target : links(source).paths()) {
                incoming.computeIfAbsent(target, t -> new ArrayList<>()).add(source);
            }
        }
        return new LinkGraph(incoming);
    }

    /** The pages that link to this page (who links here). */
    @QueryFunction
    public Paths backlinks(String path) {
        log.computed("backlinks", path);
        return new Paths(linkGraph().incoming().getOrDefault(path, List.of()));
    }

    /** Whether the page contains the (lower-case) word {@code term}. */
    @QueryFunction
    public Boolean mentions(String path, String term) {
        log.computed("mentions", path + " " + term);
        return parse(path).words().contains(term);
    }

    /** The pages that contain the (lower-case) word {@code term}: one search entry. */
    @QueryFunction
    public Paths termIndex(String term) {
        log.computed("termIndex", term);
        List<String> found = new ArrayList<>();
        for (String path : site.require(SITE).paths()) {
            if (mentions(path, term)) {
                found.add(path);
            }
        }
        return new Paths(found);
    }

    /**
     * The page's HTML document, up to (not including) the closing {@code </body></html>}, which the controller
     * appends after the live-reload script.
     */
    @QueryFunction
    public String page(String path) {
        log.computed("page", path);
        String title = title(path);
        StringBuilder html = new StringBuilder(8192);
        Layout.open(html, title, navigation(), path);
        html.append("<article>\n").append(render(path)).append("</article>\n");
        Paths backlinks = backlinks(path);
        html.append("<aside class=\"backlinks\"><h2>Linked from</h2>");
        if (backlinks.paths().isEmpty()) {
            html.append("<p>No page links here.</p>");
        } else {
            html.append("<ul>");
            for (String source : backlinks.paths()) {
                html.append("<li><a href=\"/docs/").append(source).append("\">")
                        .append(HtmlUtils.htmlEscape(title(source))).append("</a></li>");
            }
            html.append("</ul>");
        }
        List<String> broken = brokenLinks(path).paths();
        if (!broken.isEmpty()) {
            html.append("<p class=\"broken-note\">Broken links: ").append(HtmlUtils.htmlEscape(String.join(", ", broken)))
                    .append("</p>");
        }
        html.append("</aside>\n</main>\n");
        return html.toString();
    }

    /** The site's page paths, sorted: the value of the {@code site} input. */
    public record PageIndex(List<String> paths) {

        /** Copies and sorts {@code paths}. */
        public PageIndex {
            paths = paths.stream().sorted().toList();
        }
    }

    /** What parsing a page gives: its title, the pages it links to (in order) and its words. */
    public record Parsed(String title, List<String> links, Set<String> words) {
    }

    /** A list of page paths. */
    public record Paths(List<String> paths) {
    }

    /** The titles of all pages, sorted by path. */
    public record Navigation(List<Entry> entries) {

        /** One page. */
        public record Entry(String path, String title) {
        }
    }

    /** For each page that some page links to, the linking pages, sorted. */
    public record LinkGraph(Map<String, List<String>> incoming) {
    }
}
