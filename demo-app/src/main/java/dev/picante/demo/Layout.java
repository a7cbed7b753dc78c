package dev.picante.demo;

import java.util.List;
import org.springframework.web.util.HtmlUtils;

/**
 * The HTML around the site's pages: head and style, the header with search and status links, and the
 * navigation (pages at the top level and folders; the pages of the current page's folder unfolded).
 */
final class Layout {

    private static final String STYLE = """
            body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#222}
            header{background:#7a1f1f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
            header a{color:#fff;text-decoration:none;font-weight:600}
            header form{margin-left:auto}
            .layout{display:flex}
            nav{width:15em;padding:1em;background:#f6f1ee;min-height:100vh;font-size:.9em}
            nav ul{list-style:none;padding-left:.8em;margin:.2em 0}
            nav a.current{font-weight:700;color:#7a1f1f}
            main{flex:1;padding:1em 2em;max-width:50em}
            a.broken{color:#b00;text-decoration:line-through}
            aside{border-top:1px solid #ddd;margin-top:2em;font-size:.9em}
            .broken-note{color:#b00}
            table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
            code{background:#f3f3f3;padding:0 .2em}pre{background:#f3f3f3;padding:.6em;overflow:auto}
            """;

    private Layout() {
    }

    /** Appends the document's head, header and navigation, and opens {@code <main>}. */
    static void open(StringBuilder html, String title, DocsQueries.Navigation navigation, String current) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>")
                .append(HtmlUtils.htmlEscape(title)).append(" · picante docs</title><style>").append(STYLE)
                .append("</style></head>\n<body>\n<header><a href=\"/docs/index\">picante docs</a>")
                .append("<a href=\"/status\">status</a><a href=\"/actuator/picante\">actuator</a>")
                .append("<form action=\"/search\"><input name=\"q\" placeholder=\"search\" aria-label=\"search\"></form>")
                .append("</header>\n<div class=\"layout\">\n");
        appendNavigation(html, navigation, current);
        html.append("<main>\n");
    }

    /** Appends the closing tags of a page opened with {@link #open}, for pages without live reload. */
    static String close() {
        return "</main>\n</div>\n</body>\n</html>\n";
    }

    /**
     * The navigation: top-level pages, then one line per folder, the current page's folder unfolded. The
     * entries are sorted by path, so each folder's pages are consecutive: one pass per part, no grouping map,
     * which matters because every page served after a title edit renders this for the whole site.
     */
    private static void appendNavigation(StringBuilder html, DocsQueries.Navigation navigation, String current) {
        List<DocsQueries.Navigation.Entry> entries = navigation.entries();
        int currentSlash = current.indexOf('/');
        html.append("<nav><ul>");
        for (DocsQueries.Navigation.Entry entry : entries) {
            if (entry.path().indexOf('/') < 0) {
                appendEntry(html, entry, current);
            }
        }
        int i = 0;
        while (i < entries.size()) {
            String first = entries.get(i).path();
            int slash = first.indexOf('/');
            if (slash < 0) {
                i++;
                continue;
            }
            int end = i + 1;
            while (end < entries.size() && sameFolder(entries.get(end).path(), first, slash)) {
                end++;
            }
            String folder = first.substring(0, slash);
            html.append("<li>");
            if (currentSlash == slash && current.regionMatches(0, first, 0, slash)) {
                html.append("<strong>").append(HtmlUtils.htmlEscape(folder)).append("/</strong><ul>");
                for (int e = i; e < end; e++) {
                    appendEntry(html, entries.get(e), current);
                }
                html.append("</ul>");
            } else {
                html.append("<a href=\"/docs/").append(first).append("\">").append(HtmlUtils.htmlEscape(folder))
                        .append("/</a>");
            }
            html.append("</li>");
            i = end;
        }
        html.append("</ul></nav>\n");
    }

    private static boolean sameFolder(String path, String first, int slash) {
        return path.length() > slash && path.charAt(slash) == '/' && path.regionMatches(0, first, 0, slash);
    }

    private static void appendEntry(StringBuilder html, DocsQueries.Navigation.Entry entry, String current) {
        html.append("<li><a href=\"/docs/").append(entry.path()).append('"')
                .append(entry.path().equals(current) ? " class=\"current\"" : "").append('>')
                .append(HtmlUtils.htmlEscape(entry.title())).append("</a></li>");
    }
}
