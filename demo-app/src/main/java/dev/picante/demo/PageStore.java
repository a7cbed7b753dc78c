package dev.picante.demo;

import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.Revision;
import dev.picante.demo.db.TablePages;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import jakarta.annotation.PreDestroy;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * Keeps the {@code pages}, {@code files} and {@code site} inputs equal to the folder: every {@code *.md} file is a
 * page (its path relative to the folder without {@code .md}, whatever characters its name has), every other
 * regular file (an image, a stylesheet) is a file served as it is, its input holding its version (size and
 * modification time), so editing it is a change like any other; names starting with {@code .} are skipped. Reads
 * the folder once the
 * context has started (after the durable store loaded its state, so unchanged pages change nothing), then
 * follows it with a {@link WatchService} (changes are applied after a quiet {@code demo.docs.debounce}), and
 * writes pages for the HTTP API (to the file and to the inputs at once). Every write is one atomic batch and
 * is announced with a {@link PagesChanged} event. Thread-safe: writes are serialized.
 *
 * <p>With {@code demo.docs.source=database} the pages are the rows of the table {@code DOC_PAGE} instead
 * ({@link TablePages}): the page API writes them there (one transaction, so one revision, per request), and the
 * folder supplies only the other files (images, stylesheets), followed as with files; its {@code *.md} files are
 * read once, to fill the table when it is empty at startup (the bundled samples when the folder has none).
 */
@Component
public class PageStore {

    private static final Log logger = LogFactory.getLog(PageStore.class);
    private static final String SAMPLES = "classpath:/sample-docs/";

    private final DocsProperties properties;
    private final Path root;
    private final Input<String, String> pages;
    private final Input<String, String> files;
    private final Input<String, DocsQueries.PageIndex> site;
    private final Database database;
    private final ApplicationEventPublisher events;
    private final @Nullable TablePages table;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile @Nullable WatchService watchService;
    private final Set<Path> watched = new HashSet<>();

    /**
     * Creates the store of the folder {@code demo.docs.path}, and of the pages table when {@code table} is given
     * ({@code demo.docs.source=database}).
     */
    public PageStore(DocsProperties properties, Input<String, String> pages, Input<String, String> files,
            Input<String, DocsQueries.PageIndex> site, PicanteViews views, ApplicationEventPublisher events,
            ObjectProvider<TablePages> table) {
        this.properties = properties;
        this.root = properties.path().toAbsolutePath().normalize();
        this.pages = pages;
        this.files = files;
        this.site = site;
        this.database = views.database();
        this.events = events;
        this.table = table.getIfAvailable();
        if (properties.source() == DocsProperties.Source.DATABASE && this.table == null) {
            throw new IllegalStateException("demo.docs.source=database but there is no pages table (TablePages bean)");
        }
    }

    /** Copies the samples if asked, reads the folder and starts watching it; once, when the context started. */
    @EventListener(ContextRefreshedEvent.class)
    public void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        TablePages rows = table;
        boolean seed = rows != null && rows.tableEmpty();
        if (properties.samples() && (rows == null || seed) && readFolder().pages().isEmpty()) {
            copySamples();
        }
        if (rows != null && !Files.exists(root)) {
            Files.createDirectories(root); // the pages are in the table; the folder is for other files only
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("demo.docs.path " + root + " is not a folder");
        }
        if (rows != null && seed) {
            Map<String, String> folderPages = readFolder().pages();
            int imported = rows.seedIfEmpty(folderPages);
            if (imported > 0) {
                events.publishEvent(new PagesChanged("import " + root, List.copyOf(folderPages.keySet()),
                        database.revision().value()));
                logger.info("Imported " + imported + " pages from " + root + " into the empty pages table");
            }
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
        logger.info("Serving " + paths().size() + " pages from " + (rows != null ? "the database (other files from "
                + root + ")" : root) + (properties.watch() ? " (watching)" : ""));
    }

    /** Stops watching the folder. */
    @PreDestroy
    public void stop() throws IOException {
        WatchService service = watchService;
        if (service != null) {
            service.close();
        }
    }

    /** Returns where the pages are kept. */
    public DocsProperties.Source source() {
        return table != null ? DocsProperties.Source.DATABASE : DocsProperties.Source.FILES;
    }

    /** Returns the folder. */
    public Path root() {
        return root;
    }

    /** Returns the page paths, sorted, as the current view sees them. */
    public List<String> paths() {
        TablePages rows = table;
        if (rows != null) {
            return rows.paths();
        }
        return site.get(DocsQueries.SITE).map(DocsQueries.PageIndex::paths).orElse(List.of());
    }

    /** Returns a page's Markdown text, as the current view sees it. */
    public Optional<String> text(String path) {
        TablePages rows = table;
        return rows != null ? rows.text(path) : pages.get(path);
    }

    /**
     * Creates or replaces a page: writes its file and its input (with {@code demo.docs.source=database}: its row,
     * in one transaction, applied to the input when it commits).
     *
     * @throws IllegalArgumentException if {@code path} is not a valid page path, or (pages in the database) the text
     *     has the character U+0000
     * @throws org.springframework.dao.DataAccessException if the database refused the row (nothing changed)
     */
    public synchronized Revision put(String path, String text) throws IOException {
        checkPath(path);
        TablePages rows = table;
        if (rows != null) {
            int nul = text.indexOf('\u0000');
            if (nul >= 0) {
                throw new IllegalArgumentException("the body has the character U+0000 at index " + nul + ", which the"
                        + " pages table cannot store (PostgreSQL text refuses it); nothing was written");
            }
            long before = database.revision().value();
            Revision revision = rows.put(path, text);
            if (revision.value() != before) {
                events.publishEvent(new PagesChanged("PUT " + path, List.of(path), revision.value()));
            }
            return revision;
        }
        Path file = pageFile(path);
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
        TablePages rows = table;
        if (rows != null) {
            if (!rows.delete(path)) {
                return false;
            }
            events.publishEvent(new PagesChanged("DELETE " + path, List.of(path), database.revision().value()));
            return true;
        }
        Files.deleteIfExists(pageFile(path));
        List<String> remaining = new ArrayList<>(indexed());
        if (!remaining.remove(path)) {
            return false;
        }
        Batch batch = database.batch().remove(pages.ingredient(), path)
                .set(site.ingredient(), DocsQueries.SITE, new DocsQueries.PageIndex(remaining));
        commit(batch, "DELETE " + path, List.of(path));
        return true;
    }

    /**
     * Makes the inputs equal to the folder's files; writes nothing when they already are. With the pages in the
     * database, only the other files.
     */
    public synchronized void sync(String cause) throws IOException {
        Folder folder = readFolder();
        Batch batch = database.batch();
        List<String> changed = new ArrayList<>();
        if (table == null) {
            changed.addAll(apply(batch, pages, DocsQueries.SITE, folder.pages()));
        }
        changed.addAll(apply(batch, files, DocsQueries.FILES, folder.files()));
        if (!changed.isEmpty()) {
            commit(batch, cause, changed);
        }
    }

    /** Adds to {@code batch} what makes {@code input} and its index {@code key} equal to {@code now}. */
    private List<String> apply(Batch batch, Input<String, String> input, String key, Map<String, String> now) {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> entry : now.entrySet()) {
            if (!input.ingredient().get(database, entry.getKey()).equals(Optional.of(entry.getValue()))) {
                batch.set(input.ingredient(), entry.getKey(), entry.getValue());
                changed.add(entry.getKey());
            }
        }
        List<String> indexed = indexed(key);
        for (String path : indexed) {
            if (!now.containsKey(path)) {
                batch.remove(input.ingredient(), path);
                changed.add(path);
            }
        }
        if (!indexed.equals(List.copyOf(now.keySet()))) {
            batch.set(site.ingredient(), key, new DocsQueries.PageIndex(List.copyOf(now.keySet())));
        }
        return changed;
    }

    /** Returns the file of page or file {@code path} in the folder. */
    public Path file(String path) {
        Path file = root.resolve(path).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException("not a path in the site: '" + path + "'");
        }
        return file;
    }

    /** The page paths in the database (not the request's snapshot): what writes start from. */
    private List<String> indexed() {
        return indexed(DocsQueries.SITE);
    }

    private List<String> indexed(String key) {
        return site.ingredient().get(database, key).map(DocsQueries.PageIndex::paths).orElse(List.of());
    }

    private Revision commit(Batch batch, String cause, List<String> paths) {
        Revision revision = batch.commit();
        events.publishEvent(new PagesChanged(cause, List.copyOf(paths), revision.value()));
        return revision;
    }

    /** The folder's pages (path to text) and other files (path to version), sorted by path. */
    private record Folder(Map<String, String> pages, Map<String, String> files) {
    }

    private Folder readFolder() throws IOException {
        Map<String, String> texts = new TreeMap<>();
        Map<String, String> others = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return new Folder(texts, others);
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                return !dir.equals(root) && dir.getFileName().toString().startsWith(".") ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String name = file.getFileName().toString();
                String relative = root.relativize(file).toString().replace(File.separatorChar, '/');
                if (!attributes.isRegularFile() || name.startsWith(".")) {
                    return FileVisitResult.CONTINUE;
                }
                if (name.endsWith(".md") && name.length() > 3) {
                    String path = relative.substring(0, relative.length() - 3);
                    if (SitePaths.isPagePath(path)) {
                        texts.put(path, read(file));
                    }
                } else if (SitePaths.isPagePath(relative)) {
                    others.put(relative, attributes.size() + "-" + attributes.lastModifiedTime().toMillis());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                logger.warn("Cannot read " + file + ": " + e);
                return FileVisitResult.CONTINUE;
            }
        });
        return new Folder(texts, others);
    }

    /** Reads a page's file; bytes that are not UTF-8 become U+FFFD, with a warning naming the first one's offset. */
    private static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int bad = Utf8.firstMalformed(bytes);
        if (bad >= 0) {
            logger.warn(file + " is not valid UTF-8 (first bad byte at offset " + bad + "); serving it with U+FFFD "
                    + "in place of the bad bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
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

    private Path pageFile(String path) {
        return file(path + ".md");
    }

    private static void checkPath(String path) {
        String problem = SitePaths.problem(path);
        if (problem != null) {
            throw new IllegalArgumentException("not a page path: '" + path + "': " + problem);
        }
    }

}
