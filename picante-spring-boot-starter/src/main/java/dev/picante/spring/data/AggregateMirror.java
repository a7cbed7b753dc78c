package dev.picante.spring.data;

import dev.picante.Database;
import dev.picante.Durability;
import dev.picante.InputIngredient;
import dev.picante.View;
import dev.picante.persist.InputChange;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.data.mapping.PersistentPropertyAccessor;
import org.springframework.data.relational.core.mapping.RelationalPersistentEntity;
import org.springframework.data.relational.core.mapping.RelationalPersistentProperty;
import org.springframework.util.ClassUtils;

/**
 * The inputs mirroring one aggregate table: a row input keyed by the aggregate's id, the input of all ids
 * (one slot, {@link #ALL}), and one index input per grouping property, keyed by the property's value; each
 * index slot holds the sorted ids of its members as an array of the id type (which every codec can type).
 * Computes the input changes that bring them to given row contents. Thread-safe; the changes it computes
 * must be applied under the caller's serialization (see {@link RepositoryInputs}).
 */
final class AggregateMirror {

    /** The key of the single slot of the all-ids input. */
    static final String ALL = "all";

    final String name;
    final String repository;
    final Class<?> type;
    final Class<?> idType;
    final RelationalPersistentEntity<?> entity;
    final InputIngredient<Object, Object> rows;
    final InputIngredient<String, Object> ids;
    final Map<String, Grouping> groupings;
    final @Nullable RelationalPersistentProperty version;
    private final Comparator<Object> order;
    /** The list {@link #ids(View)} returned last, with the slot's array it was made of. */
    private volatile @Nullable IdList allIds;

    /**
     * One grouping property and its index input; {@code last} holds the list {@link #ids(View, Grouping, Object)}
     * returned last for it, with the slot's array it was made of.
     */
    record Grouping(String property, Class<?> keyType, InputIngredient<Object, Object> index,
            AtomicReference<@Nullable IdList> last) {

        Grouping(String property, Class<?> keyType, InputIngredient<Object, Object> index) {
            this(property, keyType, index, new AtomicReference<>());
        }
    }

    /**
     * An immutable list of ids and the slot value (an array, never modified once stored) it was copied from: the
     * same list is returned for as long as a read finds that same array, so a read of an unchanged slot copies
     * nothing.
     */
    private record IdList(Object[] array, List<Object> list) {
    }

    @SuppressWarnings("unchecked")
    AggregateMirror(Database database, String name, String repository, RelationalPersistentEntity<?> entity,
            List<String> groupBy, Durability durability) {
        this.name = name;
        this.repository = repository;
        this.entity = entity;
        this.type = entity.getType();
        RelationalPersistentProperty idProperty = entity.getIdProperty();
        if (idProperty == null) {
            throw new IllegalStateException("@PicanteInput on " + repository + ": aggregate " + type.getName()
                    + " has no @Id property; a repository input is keyed by the aggregate's id");
        }
        this.idType = ClassUtils.resolvePrimitiveIfNecessary(idProperty.getType());
        checkKey(idType, "its id '" + idProperty.getName() + "'", repository);
        checkValue(type, repository);
        this.version = entity.getVersionProperty();
        this.order = order(idType);
        Class<Object> idArray = (Class<Object>) Array.newInstance(idType, 0).getClass();
        this.rows = database.input(name, (Class<Object>) idType, (Class<Object>) type, durability);
        this.ids = database.input(name + ".ids", String.class, idArray, durability);
        Map<String, Grouping> byName = new LinkedHashMap<>();
        for (String property : groupBy) {
            RelationalPersistentProperty p = entity.getPersistentProperty(property);
            if (p == null) {
                throw new IllegalStateException("@PicanteInput(groupBy = \"" + property + "\") on " + repository
                        + ": aggregate " + type.getName() + " has no property '" + property + "'");
            }
            Class<?> keyType = ClassUtils.resolvePrimitiveIfNecessary(p.getType());
            checkKey(keyType, "its grouping property '" + property + "'", repository);
            byName.put(property, new Grouping(property, keyType,
                    database.input(name + ".by." + property, (Class<Object>) keyType, idArray, durability)));
        }
        this.groupings = Map.copyOf(byName);
    }

    /**
     * Checks that values of {@code keyType} can key a slot: compared by value ({@code equals} and
     * {@code hashCode} of their own), not arrays.
     */
    static void checkKey(Class<?> keyType, String what, String repository) {
        String problem = null;
        if (keyType.isArray()) {
            problem = "it is an array (" + keyType.getSimpleName() + "), compared by identity";
        } else if (!keyType.isEnum() && !keyType.isRecord() && (!declares(keyType, "equals", Object.class)
                || !declares(keyType, "hashCode"))) {
            problem = "it does not override equals and hashCode, so equal ids would be different keys";
        }
        if (problem != null) {
            throw new IllegalStateException("@PicanteInput on " + repository + ": " + what + " of type "
                    + keyType.getName() + " cannot key an input: " + problem + "; use a String, a number, a UUID,"
                    + " an enum or a record (Spring Data JDBC's @Embedded.Nullable ids included) instead");
        }
    }

    private static void checkValue(Class<?> type, String repository) {
        if (!type.isRecord() && !declares(type, "equals", Object.class)) {
            throw new IllegalStateException("@PicanteInput on " + repository + ": aggregate " + type.getName()
                    + " does not override equals, so every save and every reconciliation would look like a"
                    + " change and recompute everything that read it; make it a record, or implement equals"
                    + " and hashCode over its state");
        }
    }

    private static boolean declares(Class<?> type, String method, Class<?>... parameters) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod(method, parameters);
                if (m.getDeclaringClass() != Object.class) {
                    return true;
                }
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        return false;
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static Comparator<Object> order(Class<?> idType) {
        if (Comparable.class.isAssignableFrom(idType)) {
            return (a, b) -> ((Comparable) a).compareTo(b);
        }
        return Comparator.comparing(String::valueOf);
    }

    /** Returns the id of {@code aggregate}. */
    Object idOf(Object aggregate) {
        Object id = entity.getIdentifierAccessor(aggregate).getIdentifier();
        if (id == null) {
            throw new IllegalStateException("aggregate " + aggregate + " of input '" + name + "' has no id");
        }
        return id;
    }

    /** Returns the value of {@code grouping}'s property in {@code aggregate}, or null. */
    @SuppressWarnings("unchecked")
    @Nullable Object groupOf(Grouping grouping, Object aggregate) {
        PersistentPropertyAccessor<Object> accessor = ((RelationalPersistentEntity<Object>) entity)
                .getPropertyAccessor(aggregate);
        return accessor.getProperty(entity.getRequiredPersistentProperty(grouping.property()));
    }

    /** Returns the value of the aggregate's {@code @Version} property, or null without one. */
    @SuppressWarnings("unchecked")
    @Nullable Object versionOf(Object aggregate) {
        RelationalPersistentProperty v = version;
        if (v == null) {
            return null;
        }
        return ((RelationalPersistentEntity<Object>) entity).getPropertyAccessor(aggregate).getProperty(v);
    }

    /**
     * Returns the ids in {@code view}'s all-ids slot, in order, as an immutable list shared by every read of the
     * same slot value (copied once per change of the slot, not once per read).
     */
    List<Object> ids(View view) {
        Optional<Object> value = ids.get(view, ALL);
        if (value.isEmpty()) {
            return List.of();
        }
        Object[] array = (Object[]) value.get();
        IdList last = allIds;
        if (last != null && last.array() == array) {
            return last.list();
        }
        IdList made = new IdList(array, List.of(array));
        allIds = made;
        return made.list();
    }

    /**
     * Returns the ids in {@code view}'s index slot of {@code group}, in order; like {@link #ids(View)}, a read of
     * the same slot value as the grouping's last read returns the same list.
     */
    List<Object> ids(View view, Grouping grouping, Object group) {
        Optional<Object> value = grouping.index().get(view, group);
        if (value.isEmpty()) {
            return List.of();
        }
        Object[] array = (Object[]) value.get();
        IdList last = grouping.last().get();
        if (last != null && last.array() == array) {
            return last.list();
        }
        IdList made = new IdList(array, List.of(array));
        grouping.last().set(made);
        return made.list();
    }

    /**
     * Computes the changes that bring the inputs, as {@code database} holds them now, to {@code target}: for
     * each id in it, the aggregate it holds, or none (removed); with {@code clearOthers}, every id not in it
     * is removed too. Only differences are returned; the indexes follow the rows.
     */
    List<InputChange> changes(Database database, Map<Object, Optional<Object>> target, boolean clearOthers) {
        List<InputChange> changes = new ArrayList<>();
        List<Object> current = ids(database);
        Set<Object> newIds = new LinkedHashSet<>(current);
        Map<Object, Optional<Object>> state = target;
        if (clearOthers) {
            state = new LinkedHashMap<>();
            for (Object id : current) {
                if (!target.containsKey(id)) {
                    state.put(id, Optional.empty());
                }
            }
            state.putAll(target);
        }
        Map<Grouping, Map<Object, Set<Object>>> touched = new HashMap<>();
        for (Map.Entry<Object, Optional<Object>> e : state.entrySet()) {
            Object id = e.getKey();
            Optional<Object> old = rows.get(database, id);
            Optional<Object> now = e.getValue();
            if (now.isPresent()) {
                if (!old.equals(now)) {
                    changes.add(new InputChange(name, id, now.get()));
                }
                newIds.add(id);
            } else {
                if (old.isPresent()) {
                    changes.add(new InputChange(name, id, null));
                }
                newIds.remove(id);
            }
            for (Grouping grouping : groupings.values()) {
                Object before = old.map(a -> groupOf(grouping, a)).orElse(null);
                Object after = now.map(a -> groupOf(grouping, a)).orElse(null);
                if (Objects.equals(before, after)) {
                    continue;
                }
                Map<Object, Set<Object>> groups = touched.computeIfAbsent(grouping, g -> new HashMap<>());
                if (before != null) {
                    members(database, grouping, groups, before).remove(id);
                }
                if (after != null) {
                    members(database, grouping, groups, after).add(id);
                }
            }
        }
        if (!new HashSet<>(current).equals(newIds)) {
            changes.add(new InputChange(ids.name(), ALL, sorted(newIds)));
        }
        for (Map.Entry<Grouping, Map<Object, Set<Object>>> g : touched.entrySet()) {
            Grouping grouping = g.getKey();
            for (Map.Entry<Object, Set<Object>> members : g.getValue().entrySet()) {
                Object[] before = (Object[]) grouping.index().get(database, members.getKey()).orElse(null);
                if (members.getValue().isEmpty()) {
                    if (before != null) {
                        changes.add(new InputChange(grouping.index().name(), members.getKey(), null));
                    }
                    continue;
                }
                Object[] after = sorted(members.getValue());
                if (before == null || !Arrays.equals(before, after)) {
                    changes.add(new InputChange(grouping.index().name(), members.getKey(), after));
                }
            }
        }
        return changes;
    }

    private Set<Object> members(Database database, Grouping grouping, Map<Object, Set<Object>> groups,
            Object group) {
        return groups.computeIfAbsent(group, g -> new LinkedHashSet<>(ids(database, grouping, g)));
    }

    private Object[] sorted(Set<Object> values) {
        Object[] array = (Object[]) Array.newInstance(idType, values.size());
        int i = 0;
        for (Object v : values) {
            array[i++] = v;
        }
        Arrays.sort(array, order);
        return array;
    }

    @Override
    public String toString() {
        return "input '" + name + "' of " + repository;
    }
}
