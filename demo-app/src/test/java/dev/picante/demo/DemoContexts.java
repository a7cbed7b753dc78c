package dev.picante.demo;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the demo application for tests: on a folder of pages and a database of the test's own. */
final class DemoContexts {

    private DemoContexts() {
    }

    /**
     * Starts the application without a web server, the watcher off, on {@code docs} (filled with the sample
     * pages when empty) and the JDBC URL {@code database}; {@code properties} ({@code name=value}) override.
     */
    static ConfigurableApplicationContext start(Path docs, String database, String... properties) {
        return start(WebApplicationType.NONE, docs, database, properties);
    }

    static ConfigurableApplicationContext start(WebApplicationType type, Path docs, String database,
            String... properties) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("demo.docs.path", docs.toString());
        all.put("demo.docs.watch", "false");
        all.put("spring.datasource.url", database);
        all.put("picante.store.append-interval", "");
        all.put("server.port", "0");
        all.put("spring.main.banner-mode", "off");
        for (String property : properties) {
            int eq = property.indexOf('=');
            all.put(property.substring(0, eq), property.substring(eq + 1));
        }
        String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(DemoApplication.class).web(type).run(args);
    }

    /** An in-memory H2 database of its own. */
    static String memoryDatabase() {
        return "jdbc:h2:mem:demo-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
    }
}
