package dev.picante.spring;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.QueryFailedException;
import dev.picante.View;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.cglib.core.Signature;
import org.springframework.cglib.proxy.MethodInterceptor;
import org.springframework.cglib.proxy.MethodProxy;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Registers one derived ingredient per {@link QueryFunction} method of each bean the
 * {@link QueryFunctionEnhancer} subclassed, and installs the interceptor that routes calls through
 * them. Fails the bean's creation when a bean has query functions but was not subclassed.
 *
 * <p>Code versions ({@link CodeFingerprints}) are computed on a background thread, started when the registrar
 * gets its bean factory (before the web server and the singletons are created) for every query function of the
 * subclassed bean definitions, in a fixed order. Registration does not wait for them: each function is
 * registered with a supplier of its version ({@link Database#derived(String, Class, Class, Supplier,
 * dev.picante.Query)}), which the database calls when it first needs the version, typically the store's load
 * at startup (after the singletons and the web server are created), a save, or the actuator; the supplier
 * waits for the background. Startup pays only what is left of that work then.
 */
public final class QueryFunctionRegistrar implements BeanPostProcessor, BeanFactoryAware {

    private static final Log logger = LogFactory.getLog(QueryFunctionRegistrar.class);

    private final Supplier<PicanteViews> views;
    private final ObjectProvider<QueryFunctionObserver> observers;
    private final Map<String, DerivedIngredient<Object, Object>> ingredients = new ConcurrentHashMap<>();
    private final Supplier<String> codeVersionSalt;
    private final Map<ClassLoader, CodeFingerprints> fingerprints = new ConcurrentHashMap<>();
    /** The background computation of the code versions, if started. */
    private volatile @Nullable CompletableFuture<Void> precomputed;
    /** When the background computation started ({@link System#nanoTime()}), for the debug log. */
    private volatile long backgroundStart;
    /** Whether a fingerprint was read yet, for the debug log. */
    private final java.util.concurrent.atomic.AtomicBoolean read = new java.util.concurrent.atomic.AtomicBoolean();
    /** Nanoseconds threads spent waiting for or computing fingerprints (the store's load, a save, a read). */
    private final AtomicLong codeVersionWait = new AtomicLong();

    /**
     * Creates the registrar, without a code version salt.
     *
     * @param views the views of the database query functions are registered on, resolved lazily
     * @param observers told about each computation
     */
    public QueryFunctionRegistrar(Supplier<PicanteViews> views, ObjectProvider<QueryFunctionObserver> observers) {
        this(views, observers, () -> "");
    }

    /**
     * Creates the registrar.
     *
     * @param views the views of the database query functions are registered on, resolved lazily
     * @param observers told about each computation
     * @param codeVersionSalt added to every function's code version ({@code picante.store.code-version});
     *     empty for none
     */
    public QueryFunctionRegistrar(Supplier<PicanteViews> views, ObjectProvider<QueryFunctionObserver> observers,
            Supplier<String> codeVersionSalt) {
        this.views = views;
        this.observers = observers;
        this.codeVersionSalt = codeVersionSalt;
    }

    /**
     * Starts computing, on a background thread, the code version of every query function of the bean definitions
     * the {@link QueryFunctionEnhancer} subclassed (those without an explicit {@link QueryFunction#version()}).
     */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (!(beanFactory instanceof ConfigurableListableBeanFactory factory)) {
            return;
        }
        Map<String, Class<?>> types = new TreeMap<>();
        for (String name : factory.getBeanDefinitionNames()) {
            if (factory.getBeanDefinition(name) instanceof AbstractBeanDefinition definition
                    && definition.hasBeanClass()
                    && QueryFunctionProxy.class.isAssignableFrom(definition.getBeanClass())) {
                Class<?> type = ClassUtils.getUserClass(definition.getBeanClass());
                types.put(type.getName(), type);
            }
        }
        List<Map.Entry<Class<?>, Method>> functions = new ArrayList<>();
        for (Class<?> type : types.values()) {
            for (Method method : QueryFunctionMethods.annotatedMethods(type)) {
                QueryFunction annotation = AnnotatedElementUtils.findMergedAnnotation(method, QueryFunction.class);
                if (annotation == null || annotation.version().isEmpty()) {
                    functions.add(Map.entry(type, method));
                }
            }
        }
        if (functions.isEmpty()) {
            return;
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            long start = System.nanoTime();
            try {
                for (Map.Entry<Class<?>, Method> function : functions) {
                    fingerprints(function.getKey()).fingerprint(function.getValue());
                }
                future.complete(null);
                if (logger.isDebugEnabled()) {
                    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory
                            .getThreadMXBean();
                    long cpu = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
                    logger.debug("picante: code versions of " + functions.size() + " query functions computed in "
                            + (System.nanoTime() - start) / 1_000_000 + " ms in the background ("
                            + (cpu < 0 ? "?" : String.valueOf(cpu / 1_000_000)) + " ms of CPU time)");
                }
            } catch (Throwable ex) {
                // the first read of a version computes it again, on its own thread, and fails there
                logger.warn("picante: computing the code versions of the query functions failed; the store's load"
                        + " or save fails with the same error: " + ex, ex);
                future.completeExceptionally(ex);
            }
        }, "picante-code-versions");
        thread.setDaemon(true);
        precomputed = future;
        backgroundStart = System.nanoTime();
        thread.start();
    }

    /**
     * Returns how long threads spent waiting for, or computing, fingerprints, in nanoseconds: at startup, what
     * the code versions added to the critical path (registrations never wait; the store's load does, for what
     * is left of the background's work). Explicit versions ({@link QueryFunction#version()}) cost nothing.
     */
    long codeVersionWaitNanos() {
        return codeVersionWait.get();
    }

    /** Returns whether code versions were computed (or are being computed) in the background. */
    boolean computesCodeVersionsInTheBackground() {
        return precomputed != null;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = ClassUtils.getUserClass(bean);
        if (bean instanceof QueryFunctionProxy) {
            install(bean, beanName, type);
        } else if (QueryFunctionMethods.hasQueryFunctions(bean.getClass())) {
            throw new BeanCreationException(beanName, "Bean '" + beanName + "' of type " + bean.getClass().getName()
                    + " has @QueryFunction methods (" + QueryFunctionMethods.describe(
                            QueryFunctionMethods.annotatedMethods(bean.getClass()).get(0))
                    + ") but was not created from its class, so picante cannot intercept its calls (including "
                    + "calls on 'this'). Declare the class as a component (@Component, @Service) or register it "
                    + "with registerBean(" + bean.getClass().getSimpleName() + ".class) instead of returning it "
                    + "from a @Bean method or a supplier");
        }
        return bean;
    }

    private void install(Object bean, String beanName, Class<?> type) {
        PicanteViews views = this.views.get();
        Database database = views.database();
        Map<Method, Function> functions = new HashMap<>();
        for (Method method : QueryFunctionMethods.annotatedMethods(type)) {
            QueryFunction annotation = AnnotatedElementUtils.findMergedAnnotation(method, QueryFunction.class);
            String name = QueryFunctionIngredients.ingredientName(beanName, method);
            Function function = new Function(name, method, bean, superCall(bean, beanName, method), views,
                    observers);
            try {
                function.ingredient = register(database, name, method, codeVersionSource(type, method, annotation),
                        function);
                views.declaredTypes().register(name, function.keyType(), declaredValueType(method));
            } catch (IllegalArgumentException ex) {
                throw new BeanCreationException(beanName, "Cannot register @QueryFunction method "
                        + QueryFunctionMethods.describe(method) + " as derived ingredient '" + name + "' of "
                        + database + ": " + ex.getMessage() + ". Give it a distinct name with "
                        + "@QueryFunction(name = \"...\")", ex);
            }
            functions.put(method, function);
            ingredients.put(name, function.ingredient);
        }
        QueryFunctionEnhancer.install(bean, new Interceptor(Map.copyOf(functions)));
    }

    /** Returns the derived ingredient registered for the query function named {@code name}, if any. */
    @Nullable DerivedIngredient<?, ?> ingredient(String name) {
        return ingredients.get(name);
    }

    /**
     * Resolves, once at registration, how the engine calls the bean's own method without going through the
     * interceptor: the engine may compute a function before any call of it in this process (e.g. while
     * revalidating a dependent loaded from a store).
     */
    private static MethodProxy superCall(Object bean, String beanName, Method method) {
        MethodProxy proxy = MethodProxy.find(bean.getClass(),
                new Signature(method.getName(), org.springframework.asm.Type.getMethodDescriptor(method)));
        if (proxy == null) {
            throw new BeanCreationException(beanName, "Cannot find the generated call of @QueryFunction method "
                    + QueryFunctionMethods.describe(method) + " in " + bean.getClass().getName());
        }
        return proxy;
    }

    /**
     * Returns the code version of every query function registered so far, by ingredient name; waits for the
     * fingerprints still being computed.
     *
     * @throws IllegalStateException naming the ingredient if its fingerprint cannot be computed
     */
    public Map<String, String> codeVersions() {
        Map<String, String> versions = new TreeMap<>();
        ingredients.forEach((name, ingredient) -> versions.put(name, ingredient.codeVersion()));
        return versions;
    }

    /**
     * Returns the code version of a function: {@link QueryFunction#version()} if set, else the fingerprint of
     * its bytecode (waiting for the background, if it is computing them); followed by {@code +salt} when
     * {@code picante.store.code-version} is set.
     */
    String codeVersion(Class<?> type, Method method, @Nullable QueryFunction annotation) {
        return codeVersionSource(type, method, annotation).get();
    }

    /**
     * Returns what supplies the code version of a function ({@link #codeVersion}): an explicit version at once,
     * a fingerprint when the database first needs it.
     */
    private Supplier<String> codeVersionSource(Class<?> type, Method method, @Nullable QueryFunction annotation) {
        if (annotation != null && !annotation.version().isEmpty()) {
            String version = salted(annotation.version());
            return () -> version;
        }
        return () -> salted(fingerprint(type, method));
    }

    private String salted(String version) {
        String salt = codeVersionSalt.get();
        return salt == null || salt.isEmpty() ? version : version + "+" + salt;
    }

    private String fingerprint(Class<?> type, Method method) {
        CompletableFuture<Void> background = precomputed;
        if (background != null && logger.isDebugEnabled() && read.compareAndSet(false, true)) {
            logger.debug("picante: the first code version read (on thread '" + Thread.currentThread().getName()
                    + "') came " + (System.nanoTime() - backgroundStart) / 1_000_000
                    + " ms after the background started; it was " + (background.isDone() ? "done" : "still running"));
        }
        long start = System.nanoTime(); // after the debug line: what the read waits for
        if (background != null) {
            try {
                background.join(); // in the background's order, so that the versions do not depend on ours
            } catch (CompletionException | java.util.concurrent.CancellationException ex) {
                // computed again below, where it fails with the background's error
            }
        }
        String version = fingerprints(type).fingerprint(method);
        long took = System.nanoTime() - start;
        codeVersionWait.addAndGet(took);
        if (took > 1_000_000 && logger.isDebugEnabled()) {
            logger.debug("picante: reading the code version of " + method.getDeclaringClass().getSimpleName() + "."
                    + method.getName() + " on thread '" + Thread.currentThread().getName() + "' waited "
                    + took / 1_000_000 + " ms for code versions");
        }
        return version;
    }

    private CodeFingerprints fingerprints(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        return fingerprints.computeIfAbsent(loader != null ? loader : ClassLoader.getSystemClassLoader(),
                CodeFingerprints::new);
    }

    @SuppressWarnings("unchecked")
    private static DerivedIngredient<Object, Object> register(Database database, String name, Method method,
            Supplier<String> codeVersion, Function function) {
        Class<Object> key = (Class<Object>) keyType(method);
        Class<Object> value = (Class<Object>) valueType(method);
        return database.derived(name, key, value, codeVersion, function::compute);
    }

    private static Class<?> keyType(Method method) {
        Class<?>[] parameters = method.getParameterTypes();
        return parameters.length == 1 ? ClassUtils.resolvePrimitiveIfNecessary(parameters[0]) : List.class;
    }

    /** Returns the declared generic value type: the return type, or what its CompletableFuture holds. */
    private static java.lang.reflect.Type declaredValueType(Method method) {
        java.lang.reflect.Type type = method.getGenericReturnType();
        if (QueryFunctionMethods.isAsync(method)) {
            return type instanceof java.lang.reflect.ParameterizedType p
                    && p.getRawType() == CompletableFuture.class ? p.getActualTypeArguments()[0] : Object.class;
        }
        return type instanceof Class<?> c ? ClassUtils.resolvePrimitiveIfNecessary(c) : type;
    }

    private static Class<?> valueType(Method method) {
        return QueryFunctionMethods.isAsync(method) ? Object.class
                : ClassUtils.resolvePrimitiveIfNecessary(method.getReturnType());
    }

    /** Routes calls of the query functions of one bean through their ingredients. */
    private record Interceptor(Map<Method, Function> functions) implements MethodInterceptor {

        @Override
        public @Nullable Object intercept(Object obj, Method method, @Nullable Object[] args, MethodProxy proxy)
                throws Throwable {
            Function function = functions.get(method);
            if (function == null) {
                return proxy.invokeSuper(obj, args);
            }
            return function.call(args);
        }
    }

    /** One query function: its method, ingredient and bean. */
    private static final class Function {

        private final String name;
        private final Method method;
        private final Object bean;
        private final PicanteViews views;
        private final ObjectProvider<QueryFunctionObserver> observers;
        private final int arity;
        private final QueryArguments.@Nullable Parameters parameters;
        private final boolean async;
        private @Nullable DerivedIngredient<Object, Object> ingredient;
        /** Calls the bean's own method, bypassing the interceptor; resolved at registration. */
        private final MethodProxy proxy;

        Function(String name, Method method, Object bean, MethodProxy proxy, PicanteViews views,
                ObjectProvider<QueryFunctionObserver> observers) {
            this.name = name;
            this.method = method;
            this.bean = bean;
            this.proxy = proxy;
            this.views = views;
            this.observers = observers;
            this.arity = method.getParameterCount();
            this.parameters = arity == 1 ? null : QueryArguments.Parameters.of(method.getGenericParameterTypes());
            this.async = QueryFunctionMethods.isAsync(method);
        }

        @Nullable Object call(@Nullable Object[] args) throws Throwable {
            Object key = key(args);
            DerivedIngredient<Object, Object> ingredient = Objects.requireNonNull(this.ingredient, name);
            View view = views.current();
            if (async) {
                return ingredient.getAsync(view, key).handle((value, failure) -> {
                    if (failure == null) {
                        return value;
                    }
                    throw new CompletionException(unwrap(failure instanceof CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure));
                });
            }
            try {
                return ingredient.get(view, key);
            } catch (QueryFailedException ex) {
                throw unwrap(ex);
            }
        }

        private Throwable unwrap(Throwable failure) {
            if (failure instanceof QueryFailedException ex) {
                Throwable cause = ex.getCause();
                if (cause instanceof RuntimeException || cause instanceof Error) {
                    return cause;
                }
                if (cause != null) {
                    for (Class<?> declared : method.getExceptionTypes()) {
                        if (declared.isInstance(cause)) {
                            return cause;
                        }
                    }
                }
            }
            return failure;
        }

        private Object key(@Nullable Object[] args) {
            if (arity == 1) {
                Object key = args[0];
                if (key == null) {
                    throw new NullPointerException("query function '" + name + "' ("
                            + QueryFunctionMethods.describe(method) + ") was called with a null argument");
                }
                return key;
            }
            return new QueryArguments(Objects.requireNonNull(parameters), args == null ? new Object[0] : args);
        }

        /** Returns the declared key type: the parameter's generic type, or the parameters' types. */
        java.lang.reflect.Type keyType() {
            if (parameters != null) {
                return parameters;
            }
            java.lang.reflect.Type type = method.getGenericParameterTypes()[0];
            return type instanceof Class<?> c ? ClassUtils.resolvePrimitiveIfNecessary(c) : type;
        }

        private @Nullable Object[] args(Object key) {
            if (arity == 1) {
                return new Object[] {key};
            }
            return ((List<?>) key).toArray();
        }

        Object compute(dev.picante.QueryContext context, Object key) throws Exception {
            long start = System.nanoTime();
            boolean failed = true;
            PicanteViews.Scope scope = views.bindComputation(context);
            try {
                Object value = proxy.invokeSuper(bean, args(key));
                if (async) {
                    value = join((CompletableFuture<?>) value);
                }
                if (value == null) {
                    throw new NullPointerException("query function '" + name + "' ("
                            + QueryFunctionMethods.describe(method) + ") returned null for " + key
                            + ": return a value (e.g. an Optional) instead");
                }
                failed = false;
                return value;
            } catch (Exception | Error ex) {
                throw ex;
            } catch (Throwable ex) {
                throw new UndeclaredThrowableException(ex);
            } finally {
                scope.close();
                long nanos = System.nanoTime() - start;
                for (QueryFunctionObserver observer : observers) {
                    observer.computed(name, key, nanos, failed);
                }
            }
        }

        private static @Nullable Object join(@Nullable CompletableFuture<?> future) throws Exception {
            if (future == null) {
                return null;
            }
            try {
                return future.join();
            } catch (CompletionException ex) {
                Throwable cause = ex.getCause();
                if (cause instanceof Exception e) {
                    throw e;
                }
                if (cause instanceof Error e) {
                    throw e;
                }
                throw ex;
            }
        }
    }
}
