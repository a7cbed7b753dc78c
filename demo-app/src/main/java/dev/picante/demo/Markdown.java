package dev.picante.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Heading;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.text.TextContentRenderer;

/**
 * The site's Markdown rules, with commonmark-java: parsing, a page's title (its first level-1 heading), its
 * links to other pages (relative {@code .md} links resolved to page paths), its words for search, and its
 * HTML (links rewritten to {@code /docs/...}, links to missing pages marked {@code class="broken"}). Pure
 * functions: the query functions in {@link DocsQueries} call them. Thread-safe.
 */
public final class Markdown {

    private static final Parser PARSER = Parser.builder().build();
    private static final TextContentRenderer TEXT = TextContentRenderer.builder().build();
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern PAGE_PATH = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*");

    private Markdown() {
    }

    /** Parses a page's Markdown text. */
    public static Node parse(String text) {
        return PARSER.parse(text);
    }

    /** Returns the text of the first level-1 heading, else the last segment of {@code path}. */
    public static String title(Node document, String path) {
        for (Node node = document.getFirstChild(); node != null; node = node.getNext()) {
            if (node instanceof Heading heading && heading.getLevel() == 1) {
                String text = TEXT.render(heading).strip();
                if (!text.isEmpty()) {
                    return text;
                }
            }
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Returns the pages {@code document} links to, resolved against {@code path}, in order, without repeats. */
    public static List<String> links(Node document, String path) {
        Set<String> targets = new LinkedHashSet<>();
        document.accept(new AbstractVisitor() {
            @Override
            public void visit(Link link) {
                resolve(path, link.getDestination()).ifPresent(targets::add);
                visitChildren(link);
            }
        });
        return List.copyOf(targets);
    }

    /** Returns the distinct lower-case words of the page's text, sorted. */
    public static Set<String> words(Node document) {
        return terms(TEXT.render(document));
    }

    /** Splits text into the lower-case words search matches: runs of letters and digits. */
    public static Set<String> terms(String text) {
        Set<String> words = new TreeSet<>();
        Matcher matcher = WORD.matcher(text);
        while (matcher.find()) {
            words.add(matcher.group().toLowerCase(Locale.ROOT));
        }
        return words;
    }

    /**
     * Renders the page's HTML: links to pages point at {@code /docs/<page>}, those to a page in {@code broken}
     * get {@code class="broken"}; headings get ids.
     */
    public static String render(Node document, String path, Set<String> broken) {
        HtmlRenderer renderer = HtmlRenderer.builder()
                .extensions(List.of(HeadingAnchorExtension.create()))
                .attributeProviderFactory(context -> (node, tagName, attributes) -> {
                    if (node instanceof Link link) {
                        String destination = link.getDestination();
                        resolve(path, destination).ifPresent(target -> {
                            int hash = destination.indexOf('#');
                            attributes.put("href", "/docs/" + target + (hash >= 0 ? destination.substring(hash) : ""));
                            if (broken.contains(target)) {
                                attributes.put("class", "broken");
                                attributes.put("title", "no page " + target);
                            }
                        });
                    }
                })
                .build();
        return renderer.render(document);
    }

    /**
     * Resolves a link destination written in page {@code from} to a page path: relative ({@code
     * ../guide/queries.md}, with or without {@code .md}) or absolute ({@code /docs/guide/queries}); a fragment
     * is ignored. Empty for external links, anchors within the page, and paths outside the site.
     */
    public static Optional<String> resolve(String from, String destination) {
        String target = destination;
        if (target.isEmpty() || target.startsWith("#") || target.startsWith("//") || SCHEME.matcher(target).find()) {
            return Optional.empty();
        }
        int cut = indexOfAny(target, '#', '?');
        if (cut >= 0) {
            target = target.substring(0, cut);
        }
        if (target.endsWith(".md")) {
            target = target.substring(0, target.length() - 3);
        }
        Deque<String> segments = new ArrayDeque<>();
        if (target.startsWith("/")) {
            target = target.startsWith("/docs/") ? target.substring("/docs/".length()) : target.substring(1);
        } else {
            int slash = from.lastIndexOf('/');
            if (slash > 0) {
                segments.addAll(List.of(from.substring(0, slash).split("/")));
            }
        }
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (segments.pollLast() == null) {
                    return Optional.empty();
                }
            } else {
                segments.addLast(segment);
            }
        }
        String resolved = String.join("/", new ArrayList<>(segments));
        return isPagePath(resolved) ? Optional.of(resolved) : Optional.empty();
    }

    /** Returns whether {@code path} is a valid page path: segments of letters, digits, {@code _} and {@code -}. */
    public static boolean isPagePath(String path) {
        return PAGE_PATH.matcher(path).matches();
    }

    private static int indexOfAny(String text, char a, char b) {
        int i = text.indexOf(a);
        int j = text.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }
}
