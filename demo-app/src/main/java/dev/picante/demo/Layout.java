package dev.picante.demo;

import org.springframework.web.util.HtmlUtils;

/**
 * The HTML around the site's pages: head and style, the header with search and status links, and the place of
 * the navigation (which {@link DocsQueries#navigationHtml} composes).
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
            nav li.folder.open>a{font-weight:600}nav li.part{font-weight:600;margin-top:.6em}
            nav hr{border:0;border-top:1px solid #ddd}
            main{flex:1;padding:1em 2em;max-width:50em}
            a.broken{color:#b00;text-decoration:line-through}
            aside{border-top:1px solid #ddd;margin-top:2em;font-size:.9em}
            .broken-note{color:#b00}
            table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
            code{background:#f3f3f3;padding:0 .2em}pre{background:#f3f3f3;padding:.6em;overflow:auto}
            """;

    private Layout() {
    }

    /** Appends the document's head, header and navigation (HTML, see {@link DocsQueries#navigationHtml}), and opens {@code <main>}. */
    static void open(StringBuilder html, String title, String navigation) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>")
                .append(HtmlUtils.htmlEscape(title, "UTF-8")).append(" · picante docs</title><style>").append(STYLE)
                .append("</style></head>\n<body>\n<header><a href=\"/\">picante docs</a>")
                .append("<a href=\"/status\">status</a><a href=\"/actuator/picante\">actuator</a>")
                .append("<form action=\"/search\"><input name=\"q\" placeholder=\"search\" aria-label=\"search\"></form>")
                .append("</header>\n<div class=\"layout\">\n<nav>").append(navigation).append("</nav>\n<main>\n");
    }

    /** Appends the closing tags of a page opened with {@link #open}, for pages without live reload. */
    static String close() {
        return "</main>\n</div>\n</body>\n</html>\n";
    }
}
