package dev.picante.demo;

import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.Revision;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * Keeps the {@code pages} and {@code site} inputs equal to the folder of Markdown pages: reads it once the
 * context has started (after the durable store loaded its state, so unchanged pages change nothing), then
 * follows it with a {@link WatchService} (changes are applied after a quiet {@code demo.docs.debounce}), and
 * writes pages for the HTTP API (to the file and to the inputs at once). Every write is one atomic batch and
 * is announced with a {@link PagesChanged} event. Thread-safe: writes are serialized.
 */
@Component
public class PageStore {

    private static final Log logger = LogFactory.getLog(PageStore.class);
    private static final String SAMPLES = "classpath:/sample-docs/";

    private final DocsProperties properties;
    private final Path root;
    private final Input<String, String> pages;
    private final Input<String, DocsQueries.PageIndex> site;
    private final Database database;
    private final ApplicationEventPublisher events;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile @Nullable WatchService watchService;
    private final Set<Path> watched = new HashSet<>();

    /** Creates the store of the folder {@code demo.docs.path}. */
    public PageStore(DocsProperties properties, Input<String, String> pages, Input<String, DocsQueries.PageIndex> site,
            PicanteViews views, ApplicationEventPublisher events) {
        this.properties = properties;
        this.root = properties.path().toAbsolutePath().normalize();
        this.pages = pages;
        this.site = site;
        this.database = views.database();
        this.events = events;
    }

    /** Copies the samples if asked, reads the folder and starts watching it; once, when the context started. */
    @EventListener(ContextRefreshedEvent.class)
    public void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        if (properties.samples() && readFolder().isEmpty()) {
            copySamples();
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("demo.docs.path " + root + " is not a folder");
        }
        sync("startup");
        if (properties.watch()) {
            WatchService service = FileSystems.getDefault().newWatchService();
            watchService = service;
            registerFolders(service);
            Thread thread = new Thread(() -> watch(service), "docs-watcher");
            thread.setDaemon(true);
            thread.start();
        }
        logger.info("Serving " + paths().size() + " pages from " + root + (properties.watch() ? " (watching)" : ""));
    }

    /** Stops watching the folder. */
    @PreDestroy
    public void stop() throws IOException {
        WatchService service = watchService;
        if (service != null) {
            service.close();
        }
    }

    /** Returns the folder. */
    public Path root() {
        return root;
    }

    /** Returns the page paths, sorted, as the current view sees them. */
    public List<String> paths() {
        return site.get(DocsQueries.SITE).map(DocsQueries.PageIndex::paths).orElse(List.of());
    }

    /** Returns a page's Markdown text, as the current view sees it. */
    public Optional<String> text(String path) {
        return pages.get(path);
    }

    /**
     * Creates or replaces a page: writes its file and its input.
     *
     * @throws IllegalArgumentException if {@code path} is not a valid page path
     */
    public synchronized Revision put(String path, String text) throws IOException {
        checkPath(path);
        Path file = file(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Batch batch = database.batch().set(pages.ingredient(), path, text);
        List<String> indexed = indexed();
        if (!indexed.contains(path)) {
            List<String> added = new ArrayList<>(indexed);
            added.add(path);
            batch.set(site.ingredient(), DocsQueries.SITE, new DocsQueries.PageIndex(added));
        }
        return commit(batch, "PUT " + path, List.of(path));
    }

    /** Deletes a page's file and input; returns whether it existed. */
    public synchronized boolean delete(String path) throws IOException {
        checkPath(path);
        Files.deleteIfExists(file(path));
        List<String> remaining = new ArrayList<>(indexed());
        if (!remaining.remove(path)) {
            return false;
        }
        Batch batch = database.batch().remove(pages.ingredient(), path)
                .set(site.ingredient(), DocsQueries.SITE, new DocsQueries.PageIndex(remaining));
        commit(batch, "DELETE " + path, List.of(path));
        return true;
    }

    /** Makes the inputs equal to the folder's files; writes nothing when they already are. */
    public synchronized void sync(String cause) throws IOException {
        Map<String, String> files = readFolder();
        Batch batch = database.batch();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            if (!pages.ingredient().get(database, file.getKey()).equals(Optional.of(file.getValue()))) {
                batch.set(pages.ingredient(), file.getKey(), file.getValue());
                changed.add(file.getKey());
            }
        }
        List<String> indexed = indexed();
        for (String path : indexed) {
            if (!files.containsKey(path)) {
                batch.remove(pages.ingredient(), path);
                changed.add(path);
            }
        }
        if (!indexed.equals(List.copyOf(files.keySet()))) {
            batch.set(site.ingredient(), DocsQueries.SITE, new DocsQueries.PageIndex(List.copyOf(files.keySet())));
        }
        if (!changed.isEmpty()) {
            commit(batch, cause, changed);
        }
    }

    /** The page paths in the database (not the request's snapshot): what writes start from. */
    private List<String> indexed() {
        return site.ingredient().get(database, DocsQueries.SITE).map(DocsQueries.PageIndex::paths).orElse(List.of());
    }

    private Revision commit(Batch batch, String cause, List<String> paths) {
        Revision revision = batch.commit();
        events.publishEvent(new PagesChanged(cause, List.copyOf(paths), revision.value()));
        return revision;
    }

    private Map<String, String> readFolder() throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                if (Files.isRegularFile(file) && relative.endsWith(".md")) {
                    String path = relative.substring(0, relative.length() - 3);
                    if (Markdown.isPagePath(path)) {
                        files.put(path, Files.readString(file, StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return files;
    }

    private void copySamples() throws IOException {
        Resource[] samples = new PathMatchingResourcePatternResolver().getResources(SAMPLES + "**/*.md");
        for (Resource sample : samples) {
            String url = sample.getURL().toString();
            String relative = url.substring(url.indexOf("/sample-docs/") + "/sample-docs/".length());
            Path target = root.resolve(relative);
            Files.createDirectories(target.getParent());
            try (InputStream in = sample.getInputStream()) {
                Files.copy(in, target);
            }
        }
        logger.info("Copied " + samples.length + " sample pages to " + root);
    }

    private void watch(WatchService service) {
        try {
            while (true) {
                WatchKey key = service.take();
                // Debounce: wait until the folder has been quiet for a while, then apply everything at once.
                do {
                    key.pollEvents();
                    key.reset();
                    key = service.poll(properties.debounce().toMillis(), TimeUnit.MILLISECONDS);
                } while (key != null);
                registerFolders(service);
                sync("file change");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException e) {
            // stopped
        } catch (IOException | RuntimeException e) {
            logger.error("Watching " + root + " stopped", e);
        }
    }

    private synchronized void registerFolders(WatchService service) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path folder : (Iterable<Path>) walk.filter(Files::isDirectory)::iterator) {
                if (watched.add(folder)) {
                    folder.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                            StandardWatchEventKinds.ENTRY_MODIFY);
                }
            }
        }
    }

    private Path file(String path) {
        return root.resolve(path + ".md");
    }

    private static void checkPath(String path) {
        if (!Markdown.isPagePath(path)) {
            throw new IllegalArgumentException("not a page path: '" + path
                    + "' (segments of letters, digits, '_' and '-', separated by '/')");
        }
    }

}
