package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Smoke test of the demo application on a random port. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DemoApplicationTests {

    private final HttpClient client = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Test
    void homePageShowsRevision() throws Exception {
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(response.body()).contains("under construction").containsPattern("revision <strong>\\d+</strong>");
    }

    @Test
    void helloIsComputedOnceThenReusedThenRecomputedAfterItsInputChanges() throws Exception {
        DocumentContext first = json(get("/api/hello/x"));
        assertThat(first.read("$.greeting", String.class)).isEqualTo("Hello, x!");
        assertThat(first.read("$.computed", Boolean.class)).isTrue();

        DocumentContext second = json(get("/api/hello/x"));
        assertThat(second.read("$.greeting", String.class)).isEqualTo("Hello, x!");
        assertThat(second.read("$.computed", Boolean.class)).isFalse();
        assertThat(second.read("$.computations", Long.class)).isEqualTo(first.read("$.computations", Long.class));

        // Another language's salutation is not read by greeting(x): still reused.
        assertThat(put("/api/greetings/fr", "Salut").statusCode()).isEqualTo(200);
        DocumentContext third = json(get("/api/hello/x"));
        assertThat(third.read("$.greeting", String.class)).isEqualTo("Hello, x!");
        assertThat(third.read("$.computed", Boolean.class)).isFalse();
        assertThat(third.read("$.revision", Long.class)).isGreaterThan(second.read("$.revision", Long.class));

        // The English salutation is read: recomputed.
        assertThat(put("/api/greetings/en", "Howdy").statusCode()).isEqualTo(200);
        DocumentContext fourth = json(get("/api/hello/x"));
        assertThat(fourth.read("$.greeting", String.class)).isEqualTo("Howdy, x!");
        assertThat(fourth.read("$.computed", Boolean.class)).isTrue();
        put("/api/greetings/en", "Hello");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static DocumentContext json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JsonPath.parse(response.body());
    }
}
