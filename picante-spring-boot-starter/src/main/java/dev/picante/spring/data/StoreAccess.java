package dev.picante.spring.data;

import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.PicanteStoreLifecycle;
import dev.picante.spring.jdbc.SharedChangeLog;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Reaches the durable store's beans only when the store can be on the class path (it needs Flyway), so
 * that repository inputs work without it.
 */
final class StoreAccess {

    private StoreAccess() {
    }

    static boolean present(ConfigurableListableBeanFactory beanFactory) {
        return ClassUtils.isPresent("org.flywaydb.core.Flyway", beanFactory.getBeanClassLoader());
    }

    /** The started shared change log, or null (no store, not shared, or not started yet). */
    static @Nullable SharedChangeLog sharedLog(ConfigurableListableBeanFactory beanFactory) {
        if (!present(beanFactory)) {
            return null;
        }
        PicanteStoreLifecycle lifecycle = beanFactory.getBeanProvider(PicanteStoreLifecycle.class).getIfAvailable();
        return lifecycle == null ? null : lifecycle.sharedLog();
    }

    /** Declares {@code ingredients} rebuilt after the store's load, to every store of the context. */
    static void rebuiltAfterLoad(ConfigurableListableBeanFactory beanFactory, Set<String> ingredients) {
        if (!present(beanFactory) || ingredients.isEmpty()) {
            return;
        }
        beanFactory.getBeanProvider(JdbcStateStore.class).forEach(store -> store.rebuiltAfterLoad(ingredients));
    }

    /** Makes {@code beanName} start after the store's lifecycle (which loads the store). */
    static void startAfterStore(ConfigurableListableBeanFactory beanFactory, String beanName) {
        if (!present(beanFactory)) {
            return;
        }
        for (String store : beanFactory.getBeanNamesForType(PicanteStoreLifecycle.class, false, false)) {
            beanFactory.registerDependentBean(store, beanName);
        }
    }
}
