package dev.picante.spring;

import dev.picante.DerivedIngredient;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Registers a {@link DerivedIngredient} bean for every {@link QueryFunction} method of every singleton bean
 * whose class has them, so that code can read a query function in an explicit view, ask it for
 * {@code getAsync} or evict it, without calling the method:
 *
 * <pre>{@code
 * @Autowired @Qualifier("pricing.priceOf") DerivedIngredient<String, Price> priceOf;
 * }</pre>
 *
 * <p>The bean's name is the ingredient's name ({@code beanName.methodName}, or {@link QueryFunction#name()}),
 * which also serves as its qualifier. Its type is {@code DerivedIngredient<K, V>} with {@code K} the
 * method's parameter type (boxed) or {@code List<Object>} for several parameters, and {@code V} the return
 * type (boxed), or the value type of a {@code CompletableFuture<V>}: injection by generic type alone works
 * when one query function has that signature. Getting the bean creates the bean that declares the method
 * (which registers the ingredient); an ingredient bean is lazy exactly when that bean is. A name already
 * used by another bean is left to that bean (the ingredient bean is then not registered, and a message is
 * logged).
 */
public final class QueryFunctionIngredients implements BeanFactoryPostProcessor, BeanClassLoaderAware, Ordered {

    private static final Log logger = LogFactory.getLog(QueryFunctionIngredients.class);

    private @Nullable ClassLoader classLoader = ClassUtils.getDefaultClassLoader();

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
            return;
        }
        for (String owner : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(owner);
            if (!(definition instanceof AbstractBeanDefinition bean) || bean.getFactoryMethodName() != null
                    || bean.getInstanceSupplier() != null || !bean.isSingleton() || bean.isAbstract()) {
                continue;
            }
            Class<?> type = beanClass(bean);
            if (type == null) {
                continue;
            }
            type = ClassUtils.getUserClass(type);
            if (!QueryFunctionMethods.hasQueryFunctions(type)) {
                continue;
            }
            for (Method method : QueryFunctionMethods.annotatedMethods(type)) {
                String name = ingredientName(owner, method);
                if (registry.isBeanNameInUse(name)) {
                    logger.info("No DerivedIngredient bean for @QueryFunction " + QueryFunctionMethods.describe(method)
                            + ": the bean name '" + name + "' is taken by another bean. Give the query function "
                            + "another name with @QueryFunction(name = \"...\") to inject its ingredient");
                    continue;
                }
                registry.registerBeanDefinition(name, ingredientDefinition(beanFactory, owner, name, method,
                        bean.isLazyInit()));
            }
        }
    }

    /** Returns the ingredient name of a query function: its {@link QueryFunction#name()}, else {@code beanName.methodName}. */
    static String ingredientName(String beanName, Method method) {
        QueryFunction annotation = AnnotatedElementUtils.findMergedAnnotation(method, QueryFunction.class);
        return annotation == null || annotation.name().isEmpty() ? beanName + "." + method.getName() : annotation.name();
    }

    private static RootBeanDefinition ingredientDefinition(ConfigurableListableBeanFactory beanFactory, String owner,
            String name, Method method, boolean lazy) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(ResolvableType.forClassWithGenerics(DerivedIngredient.class, keyType(method),
                valueType(method)));
        definition.setInstanceSupplier(() -> {
            beanFactory.getBean(owner); // registers the bean's query functions
            DerivedIngredient<?, ?> ingredient = beanFactory.getBean(QueryFunctionRegistrar.class).ingredient(name);
            if (ingredient == null) {
                throw new IllegalStateException("@QueryFunction " + QueryFunctionMethods.describe(method)
                        + " of bean '" + owner + "' has no derived ingredient '" + name + "': the bean was created "
                        + "without picante's query function support");
            }
            return ingredient;
        });
        definition.setLazyInit(lazy);
        definition.setDescription("The derived ingredient of @QueryFunction " + QueryFunctionMethods.describe(method));
        return definition;
    }

    private static ResolvableType keyType(Method method) {
        if (method.getParameterCount() != 1) {
            return ResolvableType.forClassWithGenerics(List.class, Object.class);
        }
        ResolvableType parameter = ResolvableType.forMethodParameter(method, 0);
        return method.getParameterTypes()[0].isPrimitive() ? ResolvableType.forClass(ClassUtils.resolvePrimitiveIfNecessary(
                method.getParameterTypes()[0])) : parameter;
    }

    private static ResolvableType valueType(Method method) {
        ResolvableType result = ResolvableType.forMethodReturnType(method);
        if (QueryFunctionMethods.isAsync(method)) {
            ResolvableType value = result.as(CompletableFuture.class).getGeneric(0);
            return value.resolve() == null ? ResolvableType.forClass(Object.class) : value;
        }
        return method.getReturnType().isPrimitive() ? ResolvableType.forClass(ClassUtils.resolvePrimitiveIfNecessary(
                method.getReturnType())) : result;
    }

    private @Nullable Class<?> beanClass(AbstractBeanDefinition bean) {
        try {
            if (bean.hasBeanClass()) {
                return bean.getBeanClass();
            }
            String className = bean.getBeanClassName();
            return className == null ? null : ClassUtils.forName(className, classLoader);
        } catch (ClassNotFoundException | LinkageError ex) {
            return null;
        }
    }
}
