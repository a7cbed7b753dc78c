package dev.picante.spring;

import dev.picante.QueryContext;
import dev.picante.View;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/** Finds and checks the {@link QueryFunction} methods of a class. */
final class QueryFunctionMethods {

    private static final ClassValue<Boolean> HAS_QUERY_FUNCTIONS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return !annotatedMethods(type).isEmpty();
        }
    };

    private QueryFunctionMethods() {
    }

    /** Returns whether {@code method} is annotated. */
    static boolean isQueryFunction(Method method) {
        return AnnotatedElementUtils.hasAnnotation(method, QueryFunction.class);
    }

    /** Returns whether {@code type} or one of its superclasses declares a {@link QueryFunction} method. */
    static boolean hasQueryFunctions(Class<?> type) {
        return HAS_QUERY_FUNCTIONS.get(type);
    }

    /** Returns every annotated method of {@code type} and its superclasses, whatever its modifiers. */
    static List<Method> annotatedMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        ReflectionUtils.doWithMethods(type, methods::add,
                method -> !method.isBridge() && !method.isSynthetic() && isQueryFunction(method));
        return methods;
    }

    /**
     * Checks that the class can be subclassed and its annotated methods intercepted and keyed.
     *
     * @throws IllegalStateException naming the bean, the method and the fix
     */
    static void validate(String beanName, Class<?> type) {
        List<String> problems = new ArrayList<>();
        int modifiers = type.getModifiers();
        if (Modifier.isFinal(modifiers) || Modifier.isPrivate(modifiers)
                || (type.isMemberClass() && !Modifier.isStatic(modifiers)) || type.isRecord()) {
            problems.add("class " + type.getName() + " must be a non-final, non-private, top-level or static "
                    + "nested class (not a record) so that picante can subclass it");
        }
        for (Method method : annotatedMethods(type)) {
            String where = "@QueryFunction method " + describe(method);
            int m = method.getModifiers();
            if (!Modifier.isPublic(m) || Modifier.isStatic(m) || Modifier.isFinal(m)) {
                problems.add(where + " must be public, non-static and non-final (it is "
                        + (Modifier.toString(m).isEmpty() ? "package-private" : Modifier.toString(m)) + ")");
            }
            Class<?> returnType = method.getReturnType();
            if (returnType == void.class || returnType == Void.class) {
                problems.add(where + " must return a value (a query function's result is what it memoizes)");
            }
            for (Class<?> parameter : method.getParameterTypes()) {
                String problem = keyProblem(parameter);
                if (problem != null) {
                    problems.add(where + ": parameter type " + parameter.getTypeName() + " " + problem);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Bean '" + beanName + "' cannot have query functions: "
                    + String.join("; ", problems));
        }
    }

    private static @org.jspecify.annotations.Nullable String keyProblem(Class<?> parameter) {
        if (parameter.isArray()) {
            return "is an array, which compares by identity and cannot be a key: use a List or a record";
        }
        if (View.class.isAssignableFrom(parameter) || QueryContext.class.isAssignableFrom(parameter)) {
            return "is a view: query functions read the current view through PicanteViews, not a parameter";
        }
        if (parameter.isPrimitive() || parameter.isInterface() || parameter.isEnum()
                || Modifier.isAbstract(parameter.getModifiers())) {
            return null;
        }
        Method equals = ReflectionUtils.findMethod(parameter, "equals", Object.class);
        Method hashCode = ReflectionUtils.findMethod(parameter, "hashCode");
        if (equals == null || equals.getDeclaringClass() == Object.class
                || hashCode == null || hashCode.getDeclaringClass() == Object.class) {
            return "does not override equals and hashCode, so equal arguments would not find the memoized "
                    + "result: make it a record or implement both";
        }
        return null;
    }

    /** Returns whether calls go through {@link dev.picante.DerivedIngredient#getAsync}. */
    static boolean isAsync(Method method) {
        return CompletableFuture.class.isAssignableFrom(method.getReturnType());
    }

    /** Returns {@code Type.method(ParamType, ...)}. */
    static String describe(Method method) {
        StringBuilder sb = new StringBuilder(ClassUtils.getUserClass(method.getDeclaringClass()).getName())
                .append('.').append(method.getName()).append('(');
        Class<?>[] parameters = method.getParameterTypes();
        for (int i = 0; i < parameters.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(parameters[i].getSimpleName());
        }
        return sb.append(')').toString();
    }
}
