package dev.picante.internal;

import dev.picante.RuntimeEvent;
import dev.picante.Subscription;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Delivers the primary view's {@link RuntimeEvent}s to listeners, synchronously and in order. */
final class EventBus {

    private static final System.Logger LOG = System.getLogger(EventBus.class.getName());

    private final CopyOnWriteArrayList<Consumer<? super RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();

    Subscription subscribe(Consumer<? super RuntimeEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    boolean active() {
        return !listeners.isEmpty();
    }

    void publish(List<? extends RuntimeEvent> events) {
        for (Consumer<? super RuntimeEvent> listener : listeners) {
            for (RuntimeEvent event : events) {
                try {
                    listener.accept(event);
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.WARNING, "picante event listener " + listener + " failed on " + event, e);
                }
            }
        }
    }
}
