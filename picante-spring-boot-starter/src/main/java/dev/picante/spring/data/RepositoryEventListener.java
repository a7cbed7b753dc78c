package dev.picante.spring.data;

import org.springframework.context.ApplicationListener;
import org.springframework.data.relational.core.mapping.event.AbstractRelationalEvent;
import org.springframework.data.relational.core.mapping.event.AfterDeleteEvent;
import org.springframework.data.relational.core.mapping.event.AfterSaveEvent;

/**
 * Turns Spring Data relational lifecycle events into repository input writes: {@link AfterSaveEvent} (every
 * save, insert and update, one per aggregate of a batch) and {@link AfterDeleteEvent} (every delete by
 * entity or by id). Spring Data publishes them synchronously on the writing thread, inside the write's
 * transaction, after the rows are written: {@link RepositoryInputs} decides when they take effect.
 */
public final class RepositoryEventListener implements ApplicationListener<AbstractRelationalEvent<?>> {

    private final RepositoryInputs inputs;

    /** Creates a listener that reports each repository write to {@code inputs}. */
    public RepositoryEventListener(RepositoryInputs inputs) {
        this.inputs = inputs;
    }

    @Override
    public void onApplicationEvent(AbstractRelationalEvent<?> event) {
        if (event instanceof AfterSaveEvent<?> saved) {
            inputs.saved(saved.getEntity());
        } else if (event instanceof AfterDeleteEvent<?> deleted) {
            inputs.deleted(deleted.getType(), deleted.getId().getValue());
        }
    }
}
