package dev.picante.spring.data;

import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.data.jdbc.core.JdbcAggregateTemplate;

/**
 * Records {@code JdbcAggregateTemplate.deleteAll(Class)}, which deletes every aggregate of a type without a
 * lifecycle event (it is also what {@code CrudRepository.deleteAll()} calls): proxies the template bean, which
 * Spring Data JDBC's repositories use for all their writes, and reports each such call to
 * {@link RepositoryInputs} after it returns.
 */
public final class DeleteAllInterceptor implements BeanPostProcessor {

    private final ObjectProvider<RepositoryInputs> inputs;

    /** Creates an interceptor that reports each {@code deleteAll(Class)} to the {@code inputs} bean. */
    public DeleteAllInterceptor(ObjectProvider<RepositoryInputs> inputs) {
        this.inputs = inputs;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof JdbcAggregateTemplate)) {
            return bean;
        }
        ProxyFactory factory = new ProxyFactory(bean);
        factory.setProxyTargetClass(true);
        factory.addAdvice((MethodInterceptor) this::invoke);
        return factory.getProxy(bean.getClass().getClassLoader());
    }

    private @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Object result = invocation.proceed();
        Method method = invocation.getMethod();
        if (method.getName().equals("deleteAll") && method.getParameterCount() == 1
                && method.getParameterTypes()[0] == Class.class) {
            Object type = invocation.getArguments()[0];
            if (type instanceof Class<?> c) {
                inputs.getObject().deletedAll(c);
            }
        }
        return result;
    }
}
