package dev.picante.internal;

import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Reverse dependency edges of a view's memos: for each record, the derived records whose last evaluation
 * read it. Used only to announce {@code QueryInvalidated} events eagerly (r[dep.invalidation]), so kept
 * only while someone listens; results never depend on it, so an edge that is briefly stale or missing is
 * harmless (r[evict.deps]).
 */
final class ReverseEdges {

    private final ConcurrentHashMap<NodeKey, Set<NodeKey>> dependents = new ConcurrentHashMap<>();

    void clear() {
        dependents.clear();
    }

    void update(NodeKey reader, Dependency @Nullable [] before, Dependency[] after) {
        if (before != null) {
            for (Dependency dependency : before) {
                Set<NodeKey> readers = dependents.get(new NodeKey(dependency.ingredient, dependency.key));
                if (readers != null) {
                    readers.remove(reader);
                }
            }
        }
        for (Dependency dependency : after) {
            dependents.computeIfAbsent(new NodeKey(dependency.ingredient, dependency.key),
                    k -> ConcurrentHashMap.newKeySet()).add(reader);
        }
    }

    /** Every record that read {@code source}, directly or transitively, in breadth-first order. */
    Set<NodeKey> dependentsOf(NodeKey source) {
        Set<NodeKey> found = new LinkedHashSet<>();
        ArrayDeque<NodeKey> queue = new ArrayDeque<>();
        queue.add(source);
        while (!queue.isEmpty()) {
            Set<NodeKey> readers = dependents.get(queue.poll());
            if (readers != null) {
                for (NodeKey reader : readers) {
                    if (found.add(reader)) {
                        queue.add(reader);
                    }
                }
            }
        }
        return found;
    }
}
