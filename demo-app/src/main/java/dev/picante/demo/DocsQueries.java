package dev.picante.demo;

import dev.picante.spring.Input;
import dev.picante.spring.QueryFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.web.util.HtmlUtils;

/**
 * Every derived view of the documentation site, as picante query functions over the pages (a {@link PageSource}:
 * the inputs {@code pages}, page path to Markdown text, and {@code site} under {@link #SITE}, the sorted page paths;
 * or with {@code demo.docs.source=database} the repository input of the pages table), {@code files} (the path of
 * every other file of the folder, such as an image, to its version) and {@code site} under {@link #FILES} (the
 * sorted file paths).
 *
 * <p>Memory stays proportional to the content: a page is parsed once ({@link #parse}: title, links, images, words
 * and HTML body) and the rest is derived from that result ({@link #title} and {@link #links} return its parts, so
 * they hold no copy); the navigation is memoized once per folder ({@link #navigation}) or once for an mdBook
 * {@code SUMMARY.md} ({@link #summary}); a page's HTML document is composed when it is served ({@link #page}) from
 * these parts and is not memoized, so no site-wide part is repeated per page.
 *
 * <p>The graph is shaped for early cutoff: {@link #title}, {@link #links} and {@link #mentions} usually compute the
 * value they had, so an edit of a page's body recomputes that page's {@code parse} and stops there. Creating or
 * deleting a page changes {@code site}, which {@link #exists} and {@link #navigation} read.
 *
 * <p>The functions hold no bookkeeping of their own: the {@link EditLog}, a
 * {@link dev.picante.spring.QueryFunctionObserver}, is told of every computation and its key by the starter.
 */
@Service
public class DocsQueries {

    /** The key of the {@code site} input that lists the pages. */
    public static final String SITE = "all";
    /** The key of the {@code site} input that lists the other files (images and such). */
    public static final String FILES = "files";
    /** How many pages a folder's navigation lists one by one; a larger folder's pages are grouped. */
    public static final int GROUP = 100;
    /** The page whose lists order the navigation of an mdBook book. */
    public static final String SUMMARY = "SUMMARY";

    private final PageSource pages;
    private final Input<String, String> files;

    /** Creates the queries over the pages and the {@code files} input. */
    public DocsQueries(PageSource pages, Input<String, String> files) {
        this.pages = pages;
        this.files = files;
    }

    /** Parses a page once: its title, the pages it links to, the files its images show, its words, its HTML body. */
    @QueryFunction
    public Parsed parse(String path) {
        return Markdown.parse(path, pages.require(path));
    }

    /** The page's title: changes only when its front matter title or first heading does. */
    @QueryFunction
    public String title(String path) {
        return parse(path).title();
    }

    /** The pages this page links to (existing or not). */
    @QueryFunction
    public Paths links(String path) {
        return new Paths(parse(path).links());
    }

    /** Whether a page exists (a binary search in the page paths; not memoized, as it costs less than a memo). */
    public boolean exists(String path) {
        return Collections.binarySearch(paths(), path) >= 0;
    }

    /**
     * The pages this page links to that do not exist. Not memoized: nothing memoized reads it, and it is a few
     * binary searches per page when the page is served.
     */
    public Paths brokenLinks(String path) {
        List<String> broken = new ArrayList<>();
        for (String target : links(path).paths()) {
            if (!exists(target) && readme(target) == null) {
                broken.add(target);
            }
        }
        return broken.isEmpty() ? Paths.NONE : new Paths(broken);
    }

    /**
     * The navigation of one folder ({@code ""} for the top level), as HTML: its pages and its subfolders (one
     * line each, to be opened by {@link #navigationHtml}). Ordered by the folder's {@code index} (or {@code
     * README}) page when it links to them, the others after it by path. A folder of more than {@value #GROUP}
     * pages lists them in groups by their first character, each group a line to be opened ({@link
     * #navigationGroup}).
     */
    @QueryFunction
    public FolderNavigation navigation(String folder) {
        List<String> all = paths();
        String prefix = prefix(folder);
        List<String> children = new ArrayList<>();
        int pageCount = 0;
        int i = lowerBound(all, prefix);
        while (i < all.size() && all.get(i).startsWith(prefix)) {
            String rest = all.get(i).substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                children.add(all.get(i));
                pageCount++;
                i++;
            } else {
                String sub = prefix + rest.substring(0, slash);
                children.add(sub + "/");
                i = lowerBound(all, sub + "0"); // '0' follows '/': the first path after the subfolder's
            }
        }
        String index = indexPage(folder);
        List<String> ordered = new ArrayList<>(children.size());
        if (index != null) {
            ordered.add(index);
            for (String target : links(index).paths()) {
                if (!target.startsWith(prefix)) {
                    continue;
                }
                int slash = target.indexOf('/', prefix.length());
                String child = slash < 0 ? target : target.substring(0, slash + 1);
                if (!ordered.contains(child) && (pageCount <= GROUP || slash >= 0) && children.contains(child)) {
                    ordered.add(child);
                }
            }
        }
        List<String> rest = new ArrayList<>(children);
        rest.removeAll(ordered);
        rest.sort((a, b) -> Boolean.compare(a.endsWith("/"), b.endsWith("/")) != 0
                ? Boolean.compare(a.endsWith("/"), b.endsWith("/")) : a.compareTo(b));
        ordered.addAll(rest);
        StringBuilder html = new StringBuilder(64 * Math.min(ordered.size(), 200) + 16).append("<ul>");
        String group = null;
        for (String child : ordered) {
            if (child.endsWith("/")) {
                String sub = child.substring(0, child.length() - 1);
                html.append("<li class=\"folder\" data-folder=\"");
                SitePaths.appendEncoded(html, sub);
                html.append("\"><a class=\"folder\" href=\"").append(SitePaths.url(landing(sub))).append("\">")
                        .append(HtmlUtils.htmlEscape(SitePaths.name(sub), "UTF-8")).append("/</a></li>");
            } else if (pageCount > GROUP && !child.equals(index)) {
                String initial = initial(child);
                if (!initial.equals(group)) {
                    group = initial;
                    html.append("<li class=\"group\" data-group=\"");
                    SitePaths.appendEncoded(html, prefix + initial);
                    html.append("\"><a class=\"group\" href=\"").append(SitePaths.url(child)).append("\">")
                            .append(HtmlUtils.htmlEscape(initial, "UTF-8")).append("&hellip;</a></li>");
                }
            } else {
                appendPage(html, child);
            }
        }
        return new FolderNavigation(html.append("</ul>").toString(), ordered.isEmpty() ? "" : landingOf(ordered.get(0)));
    }

    /**
     * The pages of a large folder whose names start with {@code initial} (a group of {@link #navigation}), as an
     * HTML list.
     */
    @QueryFunction
    public String navigationGroup(String folder, String initial) {
        List<String> all = paths();
        String prefix = prefix(folder) + initial;
        StringBuilder html = new StringBuilder(4096).append("<ul>");
        String index = indexPage(folder);
        for (int i = lowerBound(all, prefix); i < all.size() && all.get(i).startsWith(prefix); i++) {
            String path = all.get(i);
            if (path.indexOf('/', prefix.length()) < 0 && !path.equals(index)) {
                appendPage(html, path);
            }
        }
        return html.append("</ul>").toString();
    }

    private void appendPage(StringBuilder html, String path) {
        html.append("<li><a href=\"").append(SitePaths.url(path)).append("\">")
                .append(HtmlUtils.htmlEscape(title(path), "UTF-8")).append("</a></li>");
    }

    private static String prefix(String folder) {
        return folder.isEmpty() ? "" : folder + "/";
    }

    private static String initial(String path) {
        String name = SitePaths.name(path);
        return name.substring(0, name.offsetByCodePoints(0, 1));
    }

    /**
     * The navigation of an mdBook book, as HTML: the chapters of its {@code SUMMARY.md} in order, nested as there
     * ({@code html} is empty and {@code first} too when the site has no {@code SUMMARY} page).
     */
    @QueryFunction
    public FolderNavigation summary() {
        if (!exists(SUMMARY)) {
            return new FolderNavigation("", "");
        }
        List<Markdown.SummaryEntry> entries = Markdown.summary(SUMMARY, pages.require(SUMMARY));
        StringBuilder html = new StringBuilder(64 * entries.size() + 16).append("<ul>");
        String first = "";
        int depth = 0;
        boolean open = false;
        for (Markdown.SummaryEntry entry : entries) {
            int level = open ? Math.min(entry.depth(), depth + 1) : 0;
            if (open && level > depth) {
                html.append("<ul class=\"chapters\">");
                depth++;
            } else if (open) {
                html.append("</li>");
                for (; depth > level; depth--) {
                    html.append("</ul></li>");
                }
            }
            if (entry.path() != null) {
                if (first.isEmpty()) {
                    first = entry.path();
                }
                html.append("<li><a href=\"").append(SitePaths.url(entry.path())).append("\">")
                        .append(HtmlUtils.htmlEscape(entry.title(), "UTF-8")).append("</a>");
            } else if (entry.part()) {
                html.append("<li class=\"part\">").append(HtmlUtils.htmlEscape(entry.title(), "UTF-8"));
            } else if (entry.title().isEmpty()) {
                html.append("<li class=\"separator\"><hr>");
            } else {
                html.append("<li class=\"draft\">").append(HtmlUtils.htmlEscape(entry.title(), "UTF-8"));
            }
            open = true;
        }
        if (open) {
            html.append("</li>");
        }
        for (; depth > 0; depth--) {
            html.append("</ul></li>");
        }
        html.append("</ul>");
        return new FolderNavigation(html.toString(), first);
    }

    /** For every page that some page links to, the linking pages. */
    @QueryFunction
    public LinkGraph linkGraph() {
        Map<String, List<String>> incoming = new TreeMap<>();
        for (String source : paths()) {
            for (String target : links(source).paths()) {
                String readme = exists(target) ? null : readme(target);
                incoming.computeIfAbsent(readme == null ? target : readme, t -> new ArrayList<>(2)).add(source);
            }
        }
        return new LinkGraph(incoming);
    }

    /** The pages that link to this page (who links here): a lookup in the memoized {@link #linkGraph}. */
    public Paths backlinks(String path) {
        List<String> sources = linkGraph().incoming().get(path);
        return sources == null ? Paths.NONE : new Paths(sources);
    }

    /** Whether the page contains the (lower-case) word {@code term}. */
    @QueryFunction
    public Boolean mentions(String path, String term) {
        return Markdown.containsWord(parse(path).words(), term);
    }

    /** The pages that contain the (lower-case) word {@code term}: one search entry. */
    @QueryFunction
    public Paths termIndex(String term) {
        List<String> found = new ArrayList<>();
        for (String path : paths()) {
            if (mentions(path, term)) {
                found.add(path);
            }
        }
        return new Paths(found);
    }

    // Composed when served, from the memoized parts above; not memoized themselves.

    /** The page's body as HTML, links to missing pages marked {@code class="broken"}. */
    public String render(String path) {
        return Markdown.markBroken(parse(path).html(), brokenLinks(path).paths());
    }

    /** Returns the sorted page paths. */
    public List<String> paths() {
        return pages.paths();
    }

    /** Returns the version of file {@code path} (not a page), if the folder has it. */
    public @Nullable String fileVersion(String path) {
        return files.get(path).orElse(null);
    }

    /**
     * The navigation for page {@code current} as HTML: the book's {@code SUMMARY.md} if it has one, else the top
     * level with the folders down to the current page's open; the current page's link marked {@code current}.
     */
    public String navigationHtml(String current) {
        FolderNavigation summary = summary();
        StringBuilder html;
        if (!summary.html().isEmpty()) {
            html = new StringBuilder(summary.html());
        } else {
            html = new StringBuilder(navigation("").html());
            String folder = SitePaths.folder(current);
            if (!folder.isEmpty() && exists(current)) {
                int from = 0;
                int slash = -1;
                do {
                    slash = folder.indexOf('/', slash + 1);
                    String open = slash < 0 ? folder : folder.substring(0, slash);
                    StringBuilder marker = new StringBuilder("<li class=\"folder\" data-folder=\"");
                    SitePaths.appendEncoded(marker, open);
                    int at = html.indexOf(marker.append('"').toString(), from);
                    if (at < 0) {
                        break;
                    }
                    html.insert(at + "<li class=\"folder".length(), " open");
                    int end = html.indexOf("</li>", at);
                    html.insert(end, navigation(open).html());
                    from = end;
                } while (slash >= 0);
            }
            if (exists(current)) {
                StringBuilder marker = new StringBuilder("<li class=\"group\" data-group=\"");
                SitePaths.appendEncoded(marker, prefix(folder) + initial(current));
                int at = html.indexOf(marker.append('"').toString());
                if (at >= 0) {
                    html.insert(at + "<li class=\"group".length(), " open");
                    html.insert(html.indexOf("</li>", at), navigationGroup(folder, initial(current)));
                }
            }
        }
        if (!current.isEmpty()) {
            String link = "<a href=\"" + SitePaths.url(current) + "\"";
            int at = html.indexOf(link + ">");
            if (at >= 0) {
                html.insert(at + link.length(), " class=\"current\"");
            }
        }
        return html.toString();
    }

    /**
     * The page's HTML document, up to (not including) the closing {@code </body></html>}, which the controller
     * appends after the live-reload script: composed from the memoized title, body, navigation and backlinks.
     */
    public String page(String path) {
        String title = title(path);
        String body = render(path);
        StringBuilder html = new StringBuilder(body.length() + 4096);
        Layout.open(html, title, navigationHtml(path));
        html.append("<article>\n").append(body).append("</article>\n");
        List<String> backlinks = backlinks(path).paths();
        html.append("<aside class=\"backlinks\"><h2>Linked from</h2>");
        if (backlinks.isEmpty()) {
            html.append("<p>No page links here.</p>");
        } else {
            html.append("<ul>");
            for (String source : backlinks) {
                html.append("<li><a href=\"").append(SitePaths.url(source)).append("\">")
                        .append(HtmlUtils.htmlEscape(title(source), "UTF-8")).append("</a></li>");
            }
            html.append("</ul>");
        }
        List<String> broken = brokenLinks(path).paths();
        if (!broken.isEmpty()) {
            html.append("<p class=\"broken-note\">Broken links: ").append(HtmlUtils.htmlEscape(String.join(", ", broken), "UTF-8"))
                    .append("</p>");
        }
        html.append("</aside>\n</main>\n");
        return html.toString();
    }

    /**
     * The page {@code /} goes to: the folder's {@code index} page, else the first chapter of the book's
     * {@code SUMMARY.md}, else its {@code README}, else the first page of the top level; {@code null} when the
     * site has no page.
     */
    public @Nullable String home() {
        if (exists("index")) {
            return "index";
        }
        String first = summary().first();
        if (!first.isEmpty() && exists(first)) {
            return first;
        }
        if (exists("README")) {
            return "README";
        }
        List<String> all = paths();
        return all.isEmpty() ? null : navigation("").first();
    }

    /** The page a folder's link goes to: its index page, else its first page by path. */
    public String landing(String folder) {
        String index = indexPage(folder);
        if (index != null) {
            return index;
        }
        List<String> all = paths();
        int i = lowerBound(all, folder + "/");
        return i < all.size() && all.get(i).startsWith(folder + "/") ? all.get(i) : folder + "/index";
    }

    private String landingOf(String child) {
        return child.endsWith("/") ? landing(child.substring(0, child.length() - 1)) : child;
    }

    /**
     * For a link to a folder's {@code index} page, the folder's {@code README} page if it exists: mdBook serves a
     * {@code README.md} as the folder's {@code index.html}. {@code null} otherwise.
     */
    public @Nullable String readme(String target) {
        if (!target.equals("index") && !target.endsWith("/index")) {
            return null;
        }
        String readme = target.substring(0, target.length() - "index".length()) + "README";
        return exists(readme) ? readme : null;
    }

    private @Nullable String indexPage(String folder) {
        String prefix = folder.isEmpty() ? "" : folder + "/";
        if (exists(prefix + "index")) {
            return prefix + "index";
        }
        if (exists(prefix + "README")) {
            return prefix + "README";
        }
        return null;
    }

    private static int lowerBound(List<String> sorted, String key) {
        int i = Collections.binarySearch(sorted, key);
        return i >= 0 ? i : -i - 1;
    }

    /** A sorted list of paths: the value of the {@code site} input under {@link #SITE} and {@link #FILES}. */
    public record PageIndex(List<String> paths) {

        /** Copies and sorts {@code paths}. */
        public PageIndex {
            paths = paths.stream().sorted().toList();
        }
    }

    /**
     * What parsing a page gives.
     *
     * @param title its title
     * @param links the pages it links to, in order, without repeats
     * @param images the files its images show
     * @param words its distinct lower-case words, sorted, separated by one space
     * @param html its body as HTML, links to missing pages not yet marked
     */
    public record Parsed(String title, List<String> links, List<String> images, String words, String html) {
    }

    /** A list of page paths. */
    public record Paths(List<String> paths) {

        static final Paths NONE = new Paths(List.of());
    }

    /**
     * The navigation of a folder or a book.
     *
     * @param html its HTML list
     * @param first the first page it leads to, or {@code ""}
     */
    public record FolderNavigation(String html, String first) {
    }

    /** For each page that some page links to, the linking pages, in path order. */
    public record LinkGraph(Map<String, List<String>> incoming) {
    }
}
