package dev.picante.spring.autoconfigure.metrics;

import dev.picante.Database;
import dev.picante.Inspector.Counters;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.spring.QueryFunctionObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Micrometer meters of a {@link Database}, all tagged with {@code database} (its name):
 *
 * <ul>
 * <li>{@code picante.lookups} (function counter), per derived ingredient and {@code outcome}:
 * {@code hit} (served from a result known valid), {@code revalidated} (served after checking its
 * dependencies), {@code computed} (the compute function ran and returned), {@code failed} (it threw); from
 * the inspector's counters, across all views;</li>
 * <li>{@code picante.cells} (gauge), per ingredient: the cells the database holds;</li>
 * <li>{@code picante.state.bytes} (gauge): {@link Database#stateBytes()};</li>
 * <li>{@code picante.compute} (timer), per {@code @QueryFunction} ingredient and {@code outcome}
 * ({@code success} or {@code failure}): how long its method ran.</li>
 * </ul>
 *
 * <p>Ingredients registered after a registry was bound get their meters when the application context has
 * created its singletons, and again whenever {@link #bindTo} is called. Thread-safe.
 */
public class PicanteMetrics implements MeterBinder, QueryFunctionObserver, SmartInitializingSingleton {

    private final Database database;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Set<String> bound = ConcurrentHashMap.newKeySet();

    /** Creates the meters of {@code database}. */
    public PicanteMetrics(Database database) {
        this.database = database;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!registries.contains(registry)) {
            registries.add(registry);
        }
        Gauge.builder("picante.state.bytes", database, Database::stateBytes).tags(tags()).baseUnit("bytes")
                .description("State bytes of inputs and interned values, across all views").register(registry);
        bindIngredients(registry);
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (MeterRegistry registry : registries) {
            bindIngredients(registry);
        }
    }

    private void bindIngredients(MeterRegistry registry) {
        for (IngredientInfo info : database.inspector().ingredients()) {
            String name = info.name();
            if (!bound.add(System.identityHashCode(registry) + "/" + name)) {
                continue;
            }
            Tags tags = tags().and("ingredient", name);
            Gauge.builder("picante.cells", database, db -> db.inspector().ingredient(name).entries())
                    .tags(tags.and("kind", info.kind().name().toLowerCase(Locale.ROOT)))
                    .description("Cells the database holds for the ingredient").register(registry);
            if (info.kind() == IngredientKind.DERIVED) {
                lookups(registry, tags, "hit", Counters::hits);
                lookups(registry, tags, "revalidated", Counters::revalidations);
                lookups(registry, tags, "computed", counters -> counters.computations() - counters.failures());
                lookups(registry, tags, "failed", Counters::failures);
            }
        }
    }

    private void lookups(MeterRegistry registry, Tags tags, String outcome, ToLongFunction<Counters> count) {
        String name = tags.stream().filter(tag -> tag.getKey().equals("ingredient")).findFirst().orElseThrow()
                .getValue();
        FunctionCounter.builder("picante.lookups", database,
                        db -> count.applyAsLong(db.inspector().ingredient(name).counters()))
                .tags(tags.and("outcome", outcome))
                .description("Lookups of the derived ingredient by outcome, across all views").register(registry);
    }

    @Override
    public void computed(String ingredient, long nanos, boolean failed) {
        for (MeterRegistry registry : registries) {
            Timer.builder("picante.compute").tags(tags().and("ingredient", ingredient)
                            .and("outcome", failed ? "failure" : "success"))
                    .description("Time the @QueryFunction method ran").register(registry)
                    .record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private Tags tags() {
        return Tags.of("database", database.name());
    }
}
