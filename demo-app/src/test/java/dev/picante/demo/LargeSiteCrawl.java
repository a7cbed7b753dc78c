package dev.picante.demo;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Run in a JVM of its own by {@link LargeSiteTests}: serves the folder given as the first argument with the
 * durable store in the H2 file given as the second, requests every page over HTTP (every n-th page, n the third
 * argument; each must answer 200 with its title), then prints {@code heap-after-gc=<bytes>} (used heap after a
 * full GC, the application still running)
 * and closes the application, which saves the store if the fourth argument is {@code true}.
 */
final class LargeSiteCrawl {

    private LargeSiteCrawl() {
    }

    public static void main(String[] args) throws Exception {
        Path docs = Path.of(args[0]);
        String database = "jdbc:h2:file:" + args[1];
        int stride = Integer.parseInt(args[2]);
        boolean save = Boolean.parseBoolean(args[3]);
        long started = System.nanoTime();
        ConfigurableApplicationContext context = DemoContexts.start(WebApplicationType.SERVLET, docs, database,
                "demo.docs.samples=false", "logging.level.root=WARN", "picante.store.save-on-shutdown=" + save);
        try {
            System.out.println("started-ms=" + (System.nanoTime() - started) / 1_000_000);
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            DocsQueries queries = context.getBean(DocsQueries.class);
            List<String> paths = context.getBean(PageStore.class).paths();
            HttpClient client = HttpClient.newHttpClient();
            long crawl = System.nanoTime();
            int served = 0;
            for (int i = 0; i < paths.size(); i += stride) {
                String path = paths.get(i);
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + SitePaths.url(path))).build(),
                        HttpResponse.BodyHandlers.ofString());
                String title = "<title>" + org.springframework.web.util.HtmlUtils.htmlEscape(queries.title(path), "UTF-8");
                if (response.statusCode() != 200 || !response.body().contains(title)) {
                    throw new IllegalStateException("GET " + path + ": " + response.statusCode());
                }
                served++;
            }
            HttpResponse<String> search = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/api/search?q=" + URLEncoder.encode("kernel module", StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (search.statusCode() != 200) {
                throw new IllegalStateException("search: " + search.statusCode());
            }
            System.out.println("served=" + served);
            System.out.println("crawl-ms=" + (System.nanoTime() - crawl) / 1_000_000);
            System.out.println("parse-computations="
                    + context.getBean(EditLog.class).counters().get("docsQueries.parse").computations());
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            System.out.println("heap-after-gc=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        } finally {
            long closing = System.nanoTime();
            context.close();
            System.out.println("close-ms=" + (System.nanoTime() - closing) / 1_000_000);
        }
    }
}
