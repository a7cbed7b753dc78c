package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The demo on the shapes of real documentation sets, from the checked-in fixtures under {@code
 * src/test/resources/sites}: an mdBook book ({@code SUMMARY.md}, chapters starting with {@code ##}, links written
 * {@code x.html#anchor} and {@code folder/}, front matter, images) and a command reference (file names such as
 * {@code g++.md}, {@code [.md}, {@code mkfs.ext4.md}, spaces and non-ASCII letters, in folders).
 */
class SiteShapesTests {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** An mdBook {@code src/} folder. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Book {

        private Path folder;
        private ConfigurableApplicationContext context;
        private DocsQueries docs;

        @BeforeAll
        void start(@TempDir Path folder) throws IOException {
            this.folder = folder;
            context = DemoContexts.start(WebApplicationType.SERVLET, SiteFixtures.copy("book", folder),
                    DemoContexts.memoryDatabase(), "demo.docs.samples=false");
            docs = context.getBean(DocsQueries.class);
        }

        @AfterAll
        void stop() {
            context.close();
        }

        @Test
        void rootGoesToTheFirstChapterOfTheSummary() throws Exception {
            HttpResponse<String> home = get(context, "/");
            assertThat(home.statusCode()).isEqualTo(302);
            assertThat(home.headers().firstValue("Location")).hasValue("/docs/README");
        }

        @Test
        void titlesAreTheFrontMatterTitleOrTheFirstHeadingOfAnyLevel() throws Exception {
            assertThat(docs.title("README")).isEqualTo("Introduction");
            assertThat(docs.title("guide/getting-started")).isEqualTo("Getting started");
            assertThat(docs.title("guide/installing")).isEqualTo("Installing the tool");
            assertThat(docs.title("reference/index")).isEqualTo("Reference");
            assertThat(get(context, "/api/pages").body()).contains("\"README\":\"Introduction\"",
                    "\"guide/installing\":\"Installing the tool\"");
            assertThat(get(context, "/docs/guide/getting-started").body())
                    .contains("<title>Getting started · picante docs</title>");
        }

        @Test
        void htmlMdAndFolderLinksWithAnchorsArePageLinks() throws Exception {
            assertThat(docs.links("README").paths())
                    .containsExactly("guide/getting-started", "reference/index", "appendix/index");
            assertThat(docs.links("guide/getting-started").paths())
                    .containsExactly("guide/installing", "README", "guide/nowhere");
            assertThat(docs.links("guide/installing").paths()).containsExactly("guide/getting-started", "README");
            String readme = get(context, "/docs/README").body();
            assertThat(readme).contains("<a href=\"/docs/guide/getting-started#first-steps\">getting started</a>",
                    "<a href=\"/docs/reference/index\">reference</a>", "<img src=\"/docs/img/logo.png\" alt=\"logo\"");
            assertThat(get(context, "/docs/guide/getting-started").body())
                    .contains("<a href=\"/docs/README#introduction\">the introduction</a>",
                            "<a href=\"/docs/guide/installing\">installing</a>");
        }

        @Test
        void backlinksCountEveryFormOfLink() {
            assertThat(docs.backlinks("README").paths())
                    .containsExactlyInAnyOrder("SUMMARY", "guide/getting-started", "guide/installing", "appendix/README");
            assertThat(docs.backlinks("guide/installing").paths())
                    .containsExactlyInAnyOrder("SUMMARY", "guide/getting-started");
            assertThat(docs.backlinks("reference/index").paths()).containsExactlyInAnyOrder("SUMMARY", "README");
            // mdBook serves a folder's README.md as its index.html: a link to the folder counts for the README.
            assertThat(docs.backlinks("appendix/README").paths()).containsExactly("README");
        }

        @Test
        void linksToMissingPagesAreReportedBroken() throws Exception {
            assertThat(docs.brokenLinks("guide/getting-started").paths()).containsExactly("guide/nowhere");
            assertThat(docs.brokenLinks("reference/index").paths()).containsExactly("guide/index");
            assertThat(docs.brokenLinks("SUMMARY").paths()).containsExactly("guide/missing");
            assertThat(docs.brokenLinks("README").paths()).isEmpty();
            assertThat(get(context, "/docs/guide/getting-started").body()).contains(
                    "<a href=\"/docs/guide/nowhere\" class=\"broken\" title=\"no page guide/nowhere\">",
                    "Broken links: guide/nowhere");
        }

        @Test
        void theSummaryOrdersTheNavigation() throws Exception {
            String page = get(context, "/docs/guide/installing").body();
            String nav = page.substring(page.indexOf("<nav>"), page.indexOf("</nav>"));
            assertThat(nav).containsSubsequence("Introduction", "<li class=\"part\">User Guide</li>", "Getting started",
                    "<a href=\"/docs/guide/installing\" class=\"current\">Installing</a>", "Reference",
                    "<li class=\"draft\">Draft chapter", "<hr>", "Missing chapter");
            // The nested chapter is a list inside its parent's item.
            assertThat(nav).contains("Getting started</a><ul class=\"chapters\"><li><a href=\"/docs/guide/installing\"");
        }

        @Test
        void mdBookUrlsAndFoldersRedirectToPages() throws Exception {
            HttpResponse<String> html = get(context, "/docs/guide/installing.html");
            assertThat(html.statusCode()).isEqualTo(302);
            assertThat(html.headers().firstValue("Location")).hasValue("/docs/guide/installing");
            HttpResponse<String> guide = get(context, "/docs/guide/");
            assertThat(guide.statusCode()).isEqualTo(302);
            assertThat(guide.headers().firstValue("Location")).hasValue("/docs/guide/getting-started");
            HttpResponse<String> appendix = get(context, "/docs/appendix/index");
            assertThat(appendix.statusCode()).isEqualTo(302);
            assertThat(appendix.headers().firstValue("Location")).hasValue("/docs/appendix/README");
            assertThat(get(context, "/docs/guide/nowhere").statusCode()).isEqualTo(404);
            assertThat(get(context, "/docs/img/nothing.png").statusCode()).isEqualTo(404);
        }

        @Test
        void imagesAreServedWithTheirContentTypeAndAnEditedImageChangesThePagesVersion() throws Exception {
            HttpResponse<byte[]> png = CLIENT.send(HttpRequest.newBuilder(uri(context, "/docs/img/logo.png")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(png.statusCode()).isEqualTo(200);
            assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(png.body()).isEqualTo(Files.readAllBytes(folder.resolve("img/logo.png")));
            HttpResponse<String> svg = get(context, "/docs/img/diagram.svg");
            assertThat(svg.statusCode()).isEqualTo(200);
            assertThat(svg.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
            assertThat(svg.body()).startsWith("<svg");

            LiveReload live = context.getBean(LiveReload.class);
            int readme = live.version("README");
            int installing = live.version("guide/installing");
            Files.writeString(folder.resolve("img/logo.png"), "not really a PNG any more, but longer");
            context.getBean(PageStore.class).sync("image edited");
            assertThat(live.version("README")).as("the page showing the image").isNotEqualTo(readme);
            assertThat(live.version("guide/installing")).as("a page not showing it").isEqualTo(installing);
            assertThat(get(context, "/docs/img/logo.png").body()).isEqualTo("not really a PNG any more, but longer");
        }
    }

    /** A command reference: odd file names in folders, no summary. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Reference {

        private Path folder;
        private ConfigurableApplicationContext context;
        private DocsQueries docs;

        @BeforeAll
        void start(@TempDir Path folder) throws IOException {
            this.folder = folder;
            context = DemoContexts.start(WebApplicationType.SERVLET, SiteFixtures.copy("reference", folder),
                    DemoContexts.memoryDatabase(), "demo.docs.samples=false");
            docs = context.getBean(DocsQueries.class);
        }

        @AfterAll
        void stop() {
            context.close();
        }

        @Test
        void everyFileNameIsServedUnderItsEncodedPath() throws Exception {
            assertThat(context.getBean(PageStore.class).paths()).containsExactly("common/[", "common/g++", "common/gcc",
                    "common/my page", "index", "linux/grüß", "linux/mkfs.ext4");
            assertThat(get(context, "/").headers().firstValue("Location")).hasValue("/docs/index");
            assertThat(get(context, "/docs/common/g%2B%2B").body()).contains("<title>g++ · picante docs</title>");
            assertThat(get(context, "/docs/common/%5B").body()).contains("<title>[ · picante docs</title>");
            assertThat(get(context, "/docs/common/my%20page").body()).contains("<title>My page · picante docs</title>");
            assertThat(get(context, "/docs/linux/mkfs.ext4").body()).contains("<title>mkfs.ext4 · picante docs</title>");
            assertThat(get(context, "/docs/linux/gr%C3%BC%C3%9F").body()).contains("<title>Grüße · picante docs</title>");
            assertThat(get(context, "/docs/linux/mkfs.ext3").statusCode()).isEqualTo(404);
            assertThat(get(context, "/docs/index").body()).contains("href=\"/docs/linux/mkfs.ext4\"",
                    "href=\"/docs/common/g%2B%2B\"", "href=\"/docs/common/%5B\"", "href=\"/docs/common/my%20page\"",
                    "href=\"/docs/linux/gr%C3%BC%C3%9F\"");
        }

        @Test
        void linksToOddNamesResolveInEveryWritingAndMissingOnesAreBroken() {
            assertThat(docs.links("index").paths()).containsExactly("linux/mkfs.ext4", "common/g++", "common/[",
                    "common/my page", "linux/grüß");
            assertThat(docs.backlinks("common/g++").paths())
                    .containsExactlyInAnyOrder("index", "common/gcc", "linux/mkfs.ext4");
            assertThat(docs.backlinks("common/[").paths()).containsExactlyInAnyOrder("index", "common/g++");
            assertThat(docs.backlinks("index").paths()).containsExactlyInAnyOrder("common/my page", "linux/grüß");
            assertThat(docs.brokenLinks("common/[").paths()).containsExactly("common/test");
            assertThat(docs.brokenLinks("linux/mkfs.ext4").paths()).containsExactly("linux/mkfs");
            assertThat(docs.brokenLinks("index").paths()).isEmpty();
            assertThat(docs.title("common/my page")).isEqualTo("My page");
        }

        @Test
        void theNavigationOpensOnlyTheCurrentPagesFolder() throws Exception {
            String page = get(context, "/docs/linux/mkfs.ext4").body();
            String nav = page.substring(page.indexOf("<nav>"), page.indexOf("</nav>"));
            assertThat(nav).contains("<li class=\"folder\" data-folder=\"common\"><a class=\"folder\" href=\"/docs/common/%5B\">common/</a></li>",
                    "<li class=\"folder open\" data-folder=\"linux\">",
                    "<a href=\"/docs/linux/mkfs.ext4\" class=\"current\">mkfs.ext4</a>", ">Grüße</a>")
                    .doesNotContain("/docs/common/gcc");
            // The index page orders the top level: itself, then the folders in the order it links to them.
            assertThat(nav).containsSubsequence("Commands", ">linux/</a>", ">common/</a>");
        }
    }

    private static HttpResponse<String> get(ConfigurableApplicationContext context, String path)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(context, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(ConfigurableApplicationContext context, String path) {
        return URI.create("http://localhost:" + ((WebServerApplicationContext) context).getWebServer().getPort() + path);
    }
}
