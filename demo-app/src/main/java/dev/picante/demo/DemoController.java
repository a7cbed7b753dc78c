package dev.picante.demo;

import dev.picante.Database;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** The demo's endpoints: a home page and a small greeting API. */
@RestController
class DemoController {

    private final Database database;
    private final Greetings greetings;

    DemoController(Database database, Greetings greetings) {
        this.database = database;
        this.greetings = greetings;
    }

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    String home() {
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head><meta charset="utf-8"><title>picante demo</title></head>
                <body>
                <h1>picante demo</h1>
                <p>This demo is under construction: it will become a live documentation server.</p>
                <p>Database <code>%s</code> is at revision <strong>%d</strong>.</p>
                <p>Try <a href="/api/hello/world"><code>GET /api/hello/world</code></a> twice: the second
                answer is reused (<code>"computed": false</code>). Change the salutation with
                <code>curl -X PUT -H 'Content-Type: text/plain' -d Howdy localhost:8080/api/greetings/en</code>
                and the next answer is recomputed.</p>
                </body>
                </html>
                """.formatted(HtmlUtils.htmlEscape(database.name()), database.revision().value());
    }

    @GetMapping("/api/hello/{name}")
    Greetings.Greeting hello(@PathVariable String name) {
        return greetings.greet(name);
    }

    @PutMapping(path = "/api/greetings/{language}", consumes = MediaType.TEXT_PLAIN_VALUE)
    String setSalutation(@PathVariable String language, @RequestBody String salutation) {
        return "revision " + greetings.setSalutation(language, salutation.strip()).value() + "\n";
    }
}
