package dev.picante.demo;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live reload over server-sent events. A tab showing page {@code p} subscribes with the version of what it shows
 * (the hash of {@code page(p)} and of its images' versions); after every write the hub computes it again for each
 * subscribed page (incrementally: unaffected pages are reused) and sends {@code reload} to the tabs whose page
 * changed, and only to them. Thread-safe; checks run on one background thread, coalesced.
 */
@Component
public class LiveReload {

    private static final Log logger = LogFactory.getLog(LiveReload.class);

    private final DocsQueries docs;
    private final Map<String, List<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "docs-live-reload");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean checkPending = new AtomicBoolean();

    /** Creates the hub over the site's queries. */
    public LiveReload(DocsQueries docs) {
        this.docs = docs;
    }

    /**
     * Returns the version of page {@code path} now: the hash of its HTML and of the versions of the files its images
     * show (so editing an image reloads the pages showing it), or 0 if it does not exist.
     */
    public int version(String path) {
        return docs.exists(path) ? version(path, docs.page(path)) : 0;
    }

    /** Returns the version of page {@code path} whose HTML is {@code html}. */
    public int version(String path, String html) {
        int version = html.hashCode();
        for (String image : docs.parse(path).images()) {
            version = 31 * version + java.util.Objects.hashCode(docs.fileVersion(image));
        }
        return version;
    }

    /** Subscribes a tab showing {@code path} at {@code version}; it is told to reload when that changes. */
    public SseEmitter subscribe(String path, int version) {
        SseEmitter emitter = new SseEmitter(0L);
        Subscriber subscriber = new Subscriber(path, version, emitter);
        subscribers.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(subscriber);
        Runnable remove = () -> subscribers.getOrDefault(path, List.of()).remove(subscriber);
        emitter.onCompletion(remove);
        emitter.onTimeout(remove);
        emitter.onError(e -> remove.run());
        scheduleCheck(); // the page may have changed between its rendering and this subscription
        return emitter;
    }

    /** Returns how many tabs are subscribed to {@code path}. */
    public int subscribers(String path) {
        return subscribers.getOrDefault(path, List.of()).size();
    }

    /** Checks the subscribed pages after a write. */
    @EventListener
    public void onChange(PagesChanged change) {
        scheduleCheck();
    }

    /** Ends every subscription, so that a graceful shutdown does not wait for open event streams. */
    @EventListener(ContextClosedEvent.class)
    public void close() {
        subscribers.values().forEach(list -> list.forEach(s -> s.emitter().complete()));
        subscribers.clear();
        executor.shutdownNow();
    }

    private void scheduleCheck() {
        if (checkPending.compareAndSet(false, true)) {
            executor.execute(() -> {
                checkPending.set(false);
                check();
            });
        }
    }

    private void check() {
        for (Map.Entry<String, List<Subscriber>> entry : subscribers.entrySet()) {
            if (entry.getValue().isEmpty()) {
                continue;
            }
            int version;
            try {
                version = version(entry.getKey());
            } catch (RuntimeException e) {
                logger.warn("Could not render " + entry.getKey() + " for live reload", e);
                continue;
            }
            for (Subscriber subscriber : entry.getValue()) {
                if (subscriber.version() != version) {
                    entry.getValue().remove(subscriber);
                    try {
                        subscriber.emitter().send(SseEmitter.event().name("reload").data(version));
                        subscriber.emitter().complete();
                    } catch (IOException | IllegalStateException e) {
                        subscriber.emitter().completeWithError(e);
                    }
                }
            }
        }
    }

    private record Subscriber(String path, int version, SseEmitter emitter) {
    }
}
