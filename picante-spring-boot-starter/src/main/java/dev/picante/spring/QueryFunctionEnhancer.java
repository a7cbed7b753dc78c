package dev.picante.spring;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.cglib.core.ClassLoaderAwareGeneratorStrategy;
import org.springframework.cglib.proxy.Callback;
import org.springframework.cglib.proxy.CallbackFilter;
import org.springframework.cglib.proxy.Enhancer;
import org.springframework.cglib.proxy.MethodInterceptor;
import org.springframework.cglib.proxy.NoOp;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Replaces the class of every bean definition whose class has {@link QueryFunction} methods by a
 * generated subclass that routes those methods, including calls on {@code this}, through the runtime
 * (the way Spring enhances {@code @Configuration} classes). Checks the methods first and fails startup
 * with a message naming the method when one cannot be a query function.
 *
 * <p>Beans without a class known before instantiation (returned by {@code @Bean} methods or suppliers)
 * are left alone here; {@link QueryFunctionRegistrar} fails startup if they have query functions.
 */
public final class QueryFunctionEnhancer implements BeanFactoryPostProcessor, BeanClassLoaderAware, Ordered {

    private static final ClassValue<Class<?>> ENHANCED = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> type) {
            Enhancer enhancer = new Enhancer();
            enhancer.setSuperclass(type);
            enhancer.setInterfaces(new Class<?>[] {QueryFunctionProxy.class});
            enhancer.setUseFactory(true);
            enhancer.setUseCache(false);
            enhancer.setNamingPolicy((prefix, source, key, names) -> {
                String base = prefix + "$$PicanteQueryFunctions$$";
                String name = base + 0;
                for (int i = 1; names.evaluate(name); i++) {
                    name = base + i;
                }
                return name;
            });
            enhancer.setStrategy(new ClassLoaderAwareGeneratorStrategy(type.getClassLoader()));
            enhancer.setCallbackFilter(QueryFunctionFilter.INSTANCE);
            enhancer.setCallbackTypes(new Class<?>[] {MethodInterceptor.class, NoOp.class});
            enhancer.setClassLoader(type.getClassLoader());
            return enhancer.createClass();
        }
    };

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
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            if (!(definition instanceof AbstractBeanDefinition bean) || bean.getFactoryMethodName() != null
                    || bean.getInstanceSupplier() != null) {
                continue;
            }
            Class<?> type = beanClass(bean);
            if (type == null || QueryFunctionProxy.class.isAssignableFrom(type)
                    || !QueryFunctionMethods.hasQueryFunctions(type)) {
                continue;
            }
            QueryFunctionMethods.validate(name, type);
            bean.setBeanClass(enhance(type));
        }
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

    /** Returns the generated subclass of {@code type}, the same for every call. */
    static Class<?> enhance(Class<?> type) {
        return ENHANCED.get(type);
    }

    /** Callback 0 (interceptor) for query functions, 1 (no-op) for everything else. */
    private enum QueryFunctionFilter implements CallbackFilter {
        INSTANCE;

        @Override
        public int accept(Method method) {
            int modifiers = method.getModifiers();
            return Modifier.isPublic(modifiers) && !Modifier.isStatic(modifiers) && !Modifier.isFinal(modifiers)
                    && QueryFunctionMethods.isQueryFunction(method) ? 0 : 1;
        }
    }

    /** Installs the callbacks of one instance. */
    static void install(Object instance, MethodInterceptor interceptor) {
        ((org.springframework.cglib.proxy.Factory) instance).setCallbacks(new Callback[] {interceptor, NoOp.INSTANCE});
    }
}
