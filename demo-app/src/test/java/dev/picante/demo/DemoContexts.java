package dev.picante.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the demo application for tests: on a folder of pages and a database of the test's own. */
final class DemoContexts {

    private DemoContexts() {
    }

    /**
     * Starts the application without a web server, the watcher off, on {@code docs} (filled with the sample
     * pages when empty) and the JDBC URL {@code database}.
     */
    static ConfigurableApplicationContext start(Path docs, String database, String... properties) {
        return start(WebApplicationType.NONE, docs, database, properties);
    }

    static ConfigurableApplicationContext start(WebApplicationType type, Path docs, String database,
            String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "--demo.docs.path=" + docs,
                "--demo.docs.watch=false",
                "--spring.datasource.url=" + database,
                "--picante.store.append-interval=",
                "--server.port=0",
                "--spring.main.banner-mode=off"));
        for (String property : properties) {
            all.add("--" + property);
        }
        return new SpringApplicationBuilder(DemoApplication.class).web(type).run(all.toArray(String[]::new));
    }

    /** An in-memory H2 database of its own. */
    static String memoryDatabase() {
        return "jdbc:h2:mem:demo-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
    }
}
