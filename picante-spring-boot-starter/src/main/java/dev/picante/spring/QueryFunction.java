package dev.picante.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a Spring bean as a derived query of the application's
 * {@link dev.picante.Database}: a call goes through the runtime, which memoizes the result per argument
 * list and recomputes it only when something it read changed.
 *
 * <p>While the method computes, every input it reads through {@link PicanteViews#current()} (or an
 * {@link Input}) and every other query function it calls, including calls on {@code this}, become its
 * dependencies. The bean's class is subclassed at startup (as Spring does for {@code @Configuration}
 * classes), so the method must be public, neither static nor final, on a non-final class registered
 * with its class (a component, or {@code registerBean(Type.class)}); a bean returned by a {@code @Bean}
 * factory method cannot be subclassed and fails startup. Each parameter must be a usable key: not an
 * array, and with value-based {@code equals} and {@code hashCode} (records, strings, boxed primitives,
 * enums, collections). The key is the single argument itself, or the list of arguments. The result must
 * not be {@code null}; a method may return a {@link java.util.concurrent.CompletableFuture}, whose value
 * is then memoized and served through {@link dev.picante.DerivedIngredient#getAsync}.
 *
 * <p>An exception the method throws is memoized for its revision (r[cell.poison]) and rethrown to every
 * caller as it was thrown when it is unchecked or declared, else wrapped in a
 * {@link dev.picante.QueryFailedException}.
 *
 * <p>Each function has a code version ({@link #version()}), saved with its results by a durable store so
 * that a redeploy with changed code does not serve results of the old code.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface QueryFunction {

    /**
     * Returns the name of the derived ingredient; empty (the default) means {@code beanName.methodName}.
     * Names are the ingredients' stable identity: give overloaded methods distinct names.
     */
    String name() default "";

    /**
     * Returns the code version of the function; empty (the default) means one computed from the bytecode of
     * the method and of the application code it can reach (see {@link CodeFingerprints}). Results stored by
     * a durable store under another code version are recomputed at first use after a load; dependents are
     * recomputed only if the new result differs. Set it to change the version when something the bytecode
     * does not show changed (e.g. a resource file the method reads), or to keep stored results across a
     * change that does not alter them. The {@code picante.store.code-version} property is added to every
     * version, explicit or computed.
     */
    String version() default "";
}
