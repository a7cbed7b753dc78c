package dev.picante.demo;

import dev.picante.Database;
import dev.picante.Inspector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The status page: for the last edit, per query function, how many lookups computed since and for which keys
 * (from the {@link EditLog}), how many were reused (hits and revalidations) and how many computations ended in
 * early cutoff (an equal value, so what read it was not recomputed), from the inspector's counters.
 */
@RestController
class StatusController {

    private final EditLog log;
    private final Database database;

    StatusController(EditLog log, Database database) {
        this.log = log;
        this.database = database;
    }

    @GetMapping(path = "/status", produces = MediaType.TEXT_HTML_VALUE)
    String status() {
        StringBuilder html = new StringBuilder();
        Layout.open(html, "Status", "");
        html.append("<h1>Status</h1><p>Database <code>").append(HtmlUtils.htmlEscape(database.name(), "UTF-8"))
                .append("</code> at revision ").append(database.revision().value()).append(".</p>");
        EditLog.Edit edit = log.last();
        Map<String, Inspector.Counters> since;
        if (edit == null) {
            since = Map.of();
            html.append("<p>No edit since startup. Edit a page (a file in the docs folder, or <code>PUT /api/pages/...</code>), "
                    + "open it, and come back.</p><h2>Since startup, per query function</h2>");
        } else {
            since = edit.counters();
            html.append("<h2>Last edit</h2><p><code>").append(HtmlUtils.htmlEscape(edit.change().cause(), "UTF-8"))
                    .append("</code> at revision ").append(edit.change().revision()).append(", ").append(edit.at())
                    .append(": pages ").append(HtmlUtils.htmlEscape(String.join(", ", edit.change().paths()), "UTF-8"))
                    .append(".</p><h2>Since then, per query function</h2>");
        }
        html.append("<table><tr><th>query</th><th>computed</th>")
                .append("<th>which</th><th>reused</th><th>early cutoffs</th></tr>");
        Map<String, Inspector.Counters> now = new TreeMap<>(log.counters());
        Inspector.Counters zero = new Inspector.Counters(0, 0, 0, 0, 0);
        Map<String, List<String>> keys = new TreeMap<>();
        for (String call : log.computedSinceEdit()) {
            int paren = call.indexOf('(');
            keys.computeIfAbsent(call.substring(0, paren), f -> new ArrayList<>())
                    .add(call.substring(paren + 1, call.length() - 1));
        }
        for (Map.Entry<String, Inspector.Counters> entry : now.entrySet()) {
            Inspector.Counters before = since.getOrDefault(entry.getKey(), zero);
            Inspector.Counters after = entry.getValue();
            html.append("<tr><td>").append(HtmlUtils.htmlEscape(entry.getKey(), "UTF-8")).append("</td><td>")
                    .append(after.computations() - before.computations()).append("</td><td>")
                    .append(HtmlUtils.htmlEscape(String.join(", ", keys.getOrDefault(
                            entry.getKey().substring(entry.getKey().indexOf('.') + 1), List.of()))))
                    .append("</td><td>")
                    .append(after.hits() + after.revalidations() - before.hits() - before.revalidations())
                    .append("</td><td>").append(after.earlyCutoffs() - before.earlyCutoffs()).append("</td></tr>");
        }
        html.append("</table>");
        html.append("<p>Look inside with <a href=\"/actuator/picante\">/actuator/picante</a>, ")
                .append("e.g. <a href=\"/actuator/picante/docsQueries.parse\">the memoized parses</a>.</p>");
        return html.append(Layout.close()).toString();
    }
}
