package dev.picante.demo.db;

import dev.picante.Database;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import dev.picante.Subscription;
import dev.picante.demo.PageSource;
import dev.picante.demo.PagesChanged;
import dev.picante.spring.data.RepositoryInput;
import dev.picante.spring.data.RepositoryInputs;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pages of {@code demo.docs.source=database}: read through the repository input {@code pageTable} (so the
 * query functions depend on the rows they read), written through {@link PageRepository}, each write one
 * transaction and so one revision, applied when it commits and not at all when it rolls back.
 *
 * <p>Changes this instance did not write (another instance's edits, received through the shared store's change
 * log, and the startup reconciliation's) are announced as a {@link PagesChanged} event with the cause
 * {@code database change}, so that open tabs reload and the status page shows them; this instance's own writes
 * are announced by the page store. Thread-safe.
 */
public final class TablePages implements PageSource {

    private static final Log logger = LogFactory.getLog(TablePages.class);

    /** The cause of the {@link PagesChanged} event of a change this instance did not write. */
    public static final String DATABASE_CHANGE = "database change";

    private final RepositoryInput<String, DocPage> input;
    private final PageRepository repository;
    private final TransactionTemplate transactions;
    private final Database database;
    private final ApplicationEventPublisher events;
    private final ThreadLocal<Boolean> writing = ThreadLocal.withInitial(() -> false);
    private final Object pendingLock = new Object();
    private final TreeSet<String> pending = new TreeSet<>();
    private long pendingRevision;
    private volatile long ownRevision;
    private final ExecutorService announcer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "docs-database-changes");
        thread.setDaemon(true);
        return thread;
    });
    private final Subscription subscription;

    /** Creates the pages over the repository input of {@link PageRepository}. */
    public TablePages(RepositoryInputs inputs, PageRepository repository, PlatformTransactionManager transactionManager,
            ApplicationEventPublisher events) {
        this.input = inputs.of(PageRepository.class);
        this.repository = repository;
        this.transactions = new TransactionTemplate(transactionManager);
        this.database = inputs.database();
        this.events = events;
        String rows = input.ingredient().name();
        this.subscription = database.subscribe(event -> onEvent(rows, event));
    }

    @Override
    public Optional<String> text(String path) {
        return input.get(path).map(DocPage::body);
    }

    @Override
    public String require(String path) {
        return input.require(path).body();
    }

    @Override
    public List<String> paths() {
        return input.ids();
    }

    /**
     * Creates or replaces page {@code path} in one transaction (nothing when its text is already {@code text});
     * returns the revision after it.
     *
     * @throws org.springframework.dao.DataAccessException if the database refused the write (nothing changed);
     *     an {@link org.springframework.dao.OptimisticLockingFailureException} if another writer saved the page
     *     meanwhile
     */
    public Revision put(String path, String text) {
        return write(() -> transactions.executeWithoutResult(status -> {
            Optional<DocPage> current = repository.findById(path);
            if (current.isEmpty()) {
                repository.save(new DocPage(path, text, null));
            } else if (!current.get().body().equals(text)) {
                repository.save(current.get().withBody(text));
            }
        }));
    }

    /** Deletes page {@code path} in one transaction; returns whether it existed. */
    public boolean delete(String path) {
        boolean[] existed = new boolean[1];
        write(() -> transactions.executeWithoutResult(status -> {
            existed[0] = repository.existsById(path);
            if (existed[0]) {
                repository.deleteById(path);
            }
        }));
        return existed[0];
    }

    /**
     * Imports {@code pages} (path to text) into the table if it is empty, in one transaction; returns how many
     * were imported (0 when the table already had pages, e.g. because another instance imported them first).
     */
    public int seedIfEmpty(Map<String, String> pages) {
        if (pages.isEmpty() || repository.count() > 0) {
            return 0;
        }
        List<DocPage> rows = new ArrayList<>(pages.size());
        pages.forEach((path, text) -> rows.add(new DocPage(path, text, null)));
        try {
            write(() -> transactions.executeWithoutResult(status -> {
                if (repository.count() == 0) {
                    repository.saveAll(rows);
                }
            }));
        } catch (DataIntegrityViolationException e) {
            // another instance inserted pages meanwhile: its import wins, this one's rolled back as a whole
            logger.info("Pages table filled by another writer meanwhile; not importing: " + e.getMessage());
            return 0;
        }
        return rows.size();
    }

    /** Returns whether the table has no row (read from the table, not the input). */
    public boolean tableEmpty() {
        return repository.count() == 0;
    }

    /** Returns the repository input the pages are read from. */
    public RepositoryInput<String, DocPage> input() {
        return input;
    }

    private Revision write(Runnable write) {
        writing.set(true);
        try {
            write.run();
        } finally {
            writing.set(false);
        }
        Revision revision = database.revision();
        ownRevision = Math.max(ownRevision, revision.value());
        return revision;
    }

    /**
     * Collects the pages of changes not written by this instance's page API, and announces them from another thread
     * (a listener must return quickly and must not write): one event per burst of changes, with the last revision.
     */
    private void onEvent(String rows, RuntimeEvent event) {
        if (writing.get()) {
            return;
        }
        Object key;
        long revision;
        if (event instanceof RuntimeEvent.InputSet set && set.ingredient().equals(rows)) {
            key = set.key();
            revision = set.revision().value();
        } else if (event instanceof RuntimeEvent.InputRemoved removed && removed.ingredient().equals(rows)) {
            key = removed.key();
            revision = removed.revision().value();
        } else {
            return;
        }
        boolean schedule;
        synchronized (pendingLock) {
            schedule = pending.isEmpty();
            pending.add(String.valueOf(key));
            pendingRevision = Math.max(pendingRevision, revision);
        }
        if (schedule) {
            announcer.execute(this::announce);
        }
    }

    private void announce() {
        List<String> paths;
        long revision;
        synchronized (pendingLock) {
            paths = List.copyOf(pending);
            revision = pendingRevision;
            pending.clear();
        }
        // a shared store's listener thread may apply this instance's own entry before the writer does: the page
        // store announced that revision already
        if (!paths.isEmpty() && revision > ownRevision) {
            events.publishEvent(new PagesChanged(DATABASE_CHANGE, paths, revision));
        }
    }

    /** Stops announcing changes. */
    @PreDestroy
    public void close() {
        subscription.close();
        announcer.shutdownNow();
    }
}
