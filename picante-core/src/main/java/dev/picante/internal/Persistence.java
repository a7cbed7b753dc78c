package dev.picante.internal;

import dev.picante.persist.ImportReport;
import dev.picante.persist.StateImage;

/** Export and import of a database's primary state as {@link StateImage}s. */
public final class Persistence {

    private final Engine engine;

    Persistence(Engine engine) {
        this.engine = engine;
    }

    /** Exports the whole state. */
    public StateImage exportState() {
        throw new UnsupportedOperationException("not yet: " + engine.name());
    }

    /** Exports the changes since a checkpoint. */
    public StateImage exportChangesSince(StateImage.Checkpoint since) {
        throw new UnsupportedOperationException("not yet: " + since);
    }

    /** Imports a full image into a new database. */
    public ImportReport importState(StateImage image) {
        throw new UnsupportedOperationException("not yet: " + image.revision());
    }

    /** Replays a change image. */
    public ImportReport applyChanges(StateImage changes) {
        throw new UnsupportedOperationException("not yet: " + changes.revision());
    }
}
