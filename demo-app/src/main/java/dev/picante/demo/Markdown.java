package dev.picante.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.Extension;
import org.commonmark.ext.footnotes.FootnoteDefinition;
import org.commonmark.ext.footnotes.FootnotesExtension;
import org.commonmark.ext.gfm.strikethrough.StrikethroughExtension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.BulletList;
import org.commonmark.node.CustomBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.ThematicBreak;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.text.TextContentRenderer;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaTypeFactory;
import org.springframework.web.util.HtmlUtils;

/**
 * The site's Markdown rules, with commonmark-java. {@link #parse} reads a page once and gives everything the site
 * needs from it: its title (front matter {@code title:}, else its first heading of any level, else its file name),
 * the pages it links to, the files its images show, its words for search and its HTML. Links are resolved as an
 * mdBook or a plain Markdown folder writes them: {@code x.md}, {@code x.html}, {@code x} and {@code x/} (the
 * folder's {@code index}), with or without {@code #anchor}, relative or root-relative, percent-encoded or not.
 * Tables, footnotes and strikethrough are rendered as mdBook renders them. Pure functions, thread-safe.
 */
public final class Markdown {

    /**
     * What mdBook renders by default besides CommonMark (and GitHub too): tables, footnotes ({@code [^note]}) and
     * strikethrough ({@code ~~gone~~}). Without them a table showed as lines of pipes and a footnote definition
     * whose text is a link ({@code [^a]: [https://x](https://x)}) was read as a link to a missing page.
     */
    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create(), FootnotesExtension.create(),
            StrikethroughExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final TextContentRenderer TEXT = TextContentRenderer.builder().extensions(EXTENSIONS).build();
    private static final List<Extension> HTML_EXTENSIONS = List.of(TablesExtension.create(),
            FootnotesExtension.create(), StrikethroughExtension.create(), HeadingAnchorExtension.create());
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private Markdown() {
    }

    /**
     * Parses page {@code path} once: title, links, images, words and HTML. In the HTML, links to pages point at
     * their {@link SitePaths#url URL} (anchor kept), images and links to files at the file's URL, headings have
     * ids; links to missing pages are marked later, by {@link #markBroken}.
     */
    public static DocsQueries.Parsed parse(String path, String text) {
        int bodyStart = frontMatterEnd(text);
        String frontTitle = bodyStart > 0 ? frontMatterTitle(text, bodyStart) : null;
        Node document = PARSER.parse(bodyStart > 0 ? text.substring(bodyStart) : text);
        Set<String> links = new LinkedHashSet<>();
        Set<String> images = new LinkedHashSet<>();
        Heading[] firstHeading = new Heading[1];
        StringBuilder footnotes = new StringBuilder();
        document.accept(new AbstractVisitor() {
            @Override
            public void visit(CustomBlock block) {
                if (block instanceof FootnoteDefinition) {
                    // The text renderer leaves footnote definitions out; search should find their words too.
                    for (Node child = block.getFirstChild(); child != null; child = child.getNext()) {
                        footnotes.append(' ').append(TEXT.render(child));
                    }
                }
                visitChildren(block);
            }

            @Override
            public void visit(Heading heading) {
                if (firstHeading[0] == null) {
                    firstHeading[0] = heading;
                }
                visitChildren(heading);
            }

            @Override
            public void visit(Link link) {
                Target target = resolve(path, link.getDestination());
                if (target != null && target.page()) {
                    links.add(target.path());
                }
                visitChildren(link);
            }

            @Override
            public void visit(Image image) {
                Target target = resolve(path, image.getDestination());
                if (target != null && !target.page()) {
                    images.add(target.path());
                }
                visitChildren(image);
            }
        });
        String title = frontTitle;
        if (title == null && firstHeading[0] != null) {
            String heading = TEXT.render(firstHeading[0]).strip();
            title = heading.isEmpty() ? null : heading;
        }
        if (title == null) {
            title = SitePaths.name(path);
        }
        String words = String.join(" ", terms(TEXT.render(document) + footnotes));
        return new DocsQueries.Parsed(title, List.copyOf(links), List.copyOf(images), words, html(document, path));
    }

    private static String html(Node document, String path) {
        HtmlRenderer renderer = HtmlRenderer.builder()
                .extensions(HTML_EXTENSIONS)
                .attributeProviderFactory(context -> (node, tagName, attributes) -> {
                    if (node instanceof Link link) {
                        Target target = resolve(path, link.getDestination());
                        if (target != null) {
                            attributes.put("href", SitePaths.url(target.path()) + target.fragment());
                        }
                    } else if (node instanceof Image image) {
                        Target target = resolve(path, image.getDestination());
                        if (target != null && !target.page()) {
                            attributes.put("src", SitePaths.url(target.path()));
                        }
                    }
                })
                .build();
        return renderer.render(document);
    }

    /** Returns where the front matter ({@code ---} lines) ends, or 0 if the text has none. */
    private static int frontMatterEnd(String text) {
        if (!text.startsWith("---\n") && !text.startsWith("---\r\n")) {
            return 0;
        }
        int line = text.indexOf('\n') + 1;
        while (line < text.length()) {
            int end = text.indexOf('\n', line);
            String content = (end < 0 ? text.substring(line) : text.substring(line, end)).strip();
            if (content.equals("---") || content.equals("...")) {
                return end < 0 ? text.length() : end + 1;
            }
            if (end < 0) {
                break;
            }
            line = end + 1;
        }
        return 0;
    }

    private static @Nullable String frontMatterTitle(String text, int end) {
        for (String line : text.substring(0, end).split("\r?\n")) {
            if (line.startsWith("title:")) {
                String title = line.substring("title:".length()).strip();
                if (title.length() >= 2 && (title.startsWith("\"") && title.endsWith("\"")
                        || title.startsWith("'") && title.endsWith("'"))) {
                    title = title.substring(1, title.length() - 1).strip();
                }
                return title.isEmpty() ? null : title;
            }
        }
        return null;
    }

    /** Splits text into the lower-case words search matches: runs of letters and digits, sorted, distinct. */
    public static Set<String> terms(String text) {
        Set<String> words = new TreeSet<>();
        Matcher matcher = WORD.matcher(text);
        while (matcher.find()) {
            words.add(matcher.group().toLowerCase(Locale.ROOT));
        }
        return words;
    }

    /** Returns whether {@code words} (distinct words separated by one space, as {@link #parse} gives) has {@code term}. */
    public static boolean containsWord(String words, String term) {
        if (term.isEmpty()) {
            return false;
        }
        for (int at = words.indexOf(term); at >= 0; at = words.indexOf(term, at + 1)) {
            int end = at + term.length();
            if ((at == 0 || words.charAt(at - 1) == ' ') && (end == words.length() || words.charAt(end) == ' ')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns {@code html} (from {@link #parse}) with every link to a page in {@code broken} marked {@code
     * class="broken"}; {@code html} itself when {@code broken} is empty.
     */
    public static String markBroken(String html, List<String> broken) {
        if (broken.isEmpty()) {
            return html;
        }
        StringBuilder out = new StringBuilder(html);
        for (String target : broken) {
            String href = "<a href=\"" + SitePaths.url(target);
            String mark = " class=\"broken\" title=\"no page " + HtmlUtils.htmlEscape(target, "UTF-8") + "\"";
            for (int at = out.indexOf(href); at >= 0; at = out.indexOf(href, at + 1)) {
                int end = at + href.length();
                if (end < out.length() && (out.charAt(end) == '"' || out.charAt(end) == '#')) {
                    int quote = out.indexOf("\"", end);
                    out.insert(quote + 1, mark);
                }
            }
        }
        return out.toString();
    }

    /**
     * What a link destination written in page {@code from} points at.
     *
     * @param path the page's or file's path
     * @param page whether it is a page (else a file in the folder, such as an image)
     * @param fragment the {@code #anchor}, with its {@code #}, or {@code ""}
     */
    public record Target(String path, boolean page, String fragment) {
    }

    /**
     * Resolves a link destination written in page {@code from}: relative ({@code ../guide/queries.md}) or
     * root-relative ({@code /guide/queries.html}, {@code /docs/guide/queries}); {@code .md} and {@code .html}
     * name pages, as does a name without a known file extension ({@code mkfs.ext4}, {@code g++}); a folder
     * ({@code guide/}) is its {@code index} page; any other name with a known file type is a file. {@code null}
     * for external links, anchors within the page and paths outside the site.
     */
    public static @Nullable Target resolve(String from, String destination) {
        if (destination.isEmpty() || destination.startsWith("#") || destination.startsWith("//")
                || SCHEME.matcher(destination).find()) {
            return null;
        }
        String target = destination;
        String fragment = "";
        int hash = target.indexOf('#');
        if (hash >= 0) {
            fragment = target.substring(hash);
            target = target.substring(0, hash);
        }
        int query = target.indexOf('?');
        if (query >= 0) {
            target = target.substring(0, query);
        }
        target = SitePaths.decode(target);
        if (target.isEmpty()) {
            return null;
        }
        Deque<String> segments = new ArrayDeque<>();
        if (target.startsWith("/")) {
            target = target.startsWith(SitePaths.PREFIX) ? target.substring(SitePaths.PREFIX.length()) : target.substring(1);
        } else {
            String folder = SitePaths.folder(from);
            if (!folder.isEmpty()) {
                segments.addAll(List.of(folder.split("/")));
            }
        }
        boolean folder = target.isEmpty() || target.endsWith("/");
        String[] parts = target.split("/");
        for (int i = 0; i < parts.length; i++) {
            String segment = parts[i];
            if (segment.isEmpty() || segment.equals(".")) {
                folder |= i == parts.length - 1;
                continue;
            }
            if (segment.equals("..")) {
                if (segments.pollLast() == null) {
                    return null;
                }
                folder |= i == parts.length - 1;
            } else {
                segments.addLast(segment);
            }
        }
        if (folder) {
            segments.addLast("index");
        }
        String last = segments.pollLast();
        if (last == null) {
            return null;
        }
        boolean page = true;
        if (last.endsWith(".md") && last.length() > 3) {
            last = last.substring(0, last.length() - 3);
        } else if (last.endsWith(".html") && last.length() > 5) {
            last = last.substring(0, last.length() - 5);
        } else if (last.endsWith(".htm") && last.length() > 4) {
            last = last.substring(0, last.length() - 4);
        } else {
            page = !isFileName(last);
        }
        segments.addLast(last);
        String resolved = String.join("/", new ArrayList<>(segments));
        return SitePaths.isPagePath(resolved) ? new Target(resolved, page, page ? fragment : "") : null;
    }

    /** Whether {@code name} has an extension of a known file type ({@code .png}, {@code .svg}, {@code .pdf}...). */
    static boolean isFileName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && dot < name.length() - 1 && MediaTypeFactory.getMediaType(name).isPresent();
    }

    /**
     * One entry of an mdBook {@code SUMMARY.md}.
     *
     * @param depth 0 at the top level, one more per nested list
     * @param title the chapter's link text or the part's title; {@code ""} for a separator
     * @param path the chapter's page, {@code null} for a draft chapter, a part title or a separator
     * @param part whether it is a part title
     */
    public record SummaryEntry(int depth, String title, @Nullable String path, boolean part) {
    }

    /**
     * Reads an mdBook {@code SUMMARY.md} ({@code from} is its own path): prefix chapters (links in paragraphs),
     * part titles (headings after the first), numbered chapters (nested lists), draft chapters (a link without a
     * destination) and separators, in order.
     */
    public static List<SummaryEntry> summary(String from, String text) {
        List<SummaryEntry> entries = new ArrayList<>();
        Node document = PARSER.parse(text);
        boolean first = true;
        for (Node node = document.getFirstChild(); node != null; node = node.getNext()) {
            if (node instanceof Heading heading) {
                if (!first) {
                    entries.add(new SummaryEntry(0, plainText(heading), null, true));
                }
            } else if (node instanceof Paragraph) {
                for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
                    if (child instanceof Link link) {
                        entries.add(entry(from, 0, link));
                    }
                }
            } else if (node instanceof BulletList || node instanceof OrderedList) {
                list(from, node, 0, entries);
            } else if (node instanceof ThematicBreak) {
                entries.add(new SummaryEntry(0, "", null, false));
            }
            first = false;
        }
        return entries;
    }

    private static void list(String from, Node list, int depth, List<SummaryEntry> entries) {
        for (Node item = list.getFirstChild(); item != null; item = item.getNext()) {
            if (!(item instanceof ListItem)) {
                continue;
            }
            for (Node block = item.getFirstChild(); block != null; block = block.getNext()) {
                if (block instanceof Paragraph) {
                    Node inline = block.getFirstChild();
                    if (inline instanceof Link link) {
                        entries.add(entry(from, depth, link));
                    } else if (inline != null) {
                        entries.add(new SummaryEntry(depth, plainText(block), null, false));
                    }
                } else if (block instanceof BulletList || block instanceof OrderedList) {
                    list(from, block, depth + 1, entries);
                }
            }
        }
    }

    private static SummaryEntry entry(String from, int depth, Link link) {
        Target target = resolve(from, link.getDestination());
        return new SummaryEntry(depth, plainText(link), target != null && target.page() ? target.path() : null, false);
    }

    /** The text of a node's inline content, without markup. */
    private static String plainText(Node node) {
        StringBuilder text = new StringBuilder();
        node.accept(new AbstractVisitor() {
            @Override
            public void visit(org.commonmark.node.Text literal) {
                text.append(literal.getLiteral());
            }

            @Override
            public void visit(org.commonmark.node.Code code) {
                text.append(code.getLiteral());
            }

            @Override
            public void visit(org.commonmark.node.SoftLineBreak lineBreak) {
                text.append(' ');
            }
        });
        return text.toString().strip();
    }
}
