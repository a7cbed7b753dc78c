package dev.picante;

/** A registered event listener; {@link #close()} unregisters it. Closing twice does nothing. */
public interface Subscription extends AutoCloseable {

    /** Stops delivering events to the listener. */
    @Override
    void close();
}
