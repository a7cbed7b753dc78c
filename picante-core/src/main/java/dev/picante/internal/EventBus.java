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

    private final CopyOnWriteArrayList<Registration> listeners = new CopyOnWriteArrayList<>();

    /** One subscription; removed by identity, so closing it twice never touches another subscription. */
    private record Registration(Consumer<? super RuntimeEvent> listener) {
        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    Subscription subscribe(Consumer<? super RuntimeEvent> listener) {
        Registration registration = new Registration(listener);
        listeners.add(registration);
        return () -> listeners.remove(registration);
    }

    boolean active() {
        return !listeners.isEmpty();
    }

    void publish(List<? extends RuntimeEvent> events) {
        for (Registration registration : listeners) {
            Consumer<? super RuntimeEvent> listener = registration.listener();
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
