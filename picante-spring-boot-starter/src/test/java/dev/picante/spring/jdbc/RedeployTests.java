package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.QueryFunctionRegistrar;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;

/**
 * A redeploy with changed query-function bytecode on an H2 file store (issue 13, item 2): two versions of a
 * bean class are compiled at test time and loaded by separate class loaders, one per application context. The
 * function whose code changed is recomputed at first use; its dependents only if its value changed; the other
 * functions of the class are not.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedeployTests {

    private static final String BEAN = """
            package app;
            import dev.picante.spring.Input;
            import dev.picante.spring.QueryFunction;
            public class Prices {
                private final Input<String, Long> items;
                public Prices(Input<String, Long> items) {
                    this.items = items;
                }
                @QueryFunction(name = "price")
                public long price(String item) {
                    return PRICE;
                }
                @QueryFunction(name = "total")
                public long total(String group) {
                    long total = 0;
                    for (char item : group.toCharArray()) {
                        total += price(String.valueOf(item));
                    }
                    return total;
                }
                @QueryFunction(name = "label")
                public String label(String item) {
                    return item + ": " + items.require(item);
                }
            }
            """;

    @TempDir
    Path directory;

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private final List<URLClassLoader> loaders = new ArrayList<>();

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceAutoConfiguration.class, PicanteAutoConfiguration.class,
            PicanteJdbcStoreAutoConfiguration.class })
    static class App {

        @Bean
        Input<String, Long> items(PicanteViews views) {
            return views.input("items", String.class, Long.class);
        }
    }

    @AfterEach
    void close() throws Exception {
        contexts.forEach(ConfigurableApplicationContext::close);
        for (URLClassLoader loader : loaders) {
            loader.close();
        }
    }

    /** Compiles the bean with {@code price}'s body returning {@code price} into its own directory. */
    private Class<?> compile(String version, String price) throws Exception {
        Path src = directory.resolve(version + "/app/Prices.java");
        Path out = directory.resolve(version + "-classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(out);
        Files.writeString(src, BEAN.replace("PRICE", price));
        String classpath = String.join(File.pathSeparator, location(QueryFunction.class), location(Database.class),
                location(org.jspecify.annotations.Nullable.class));
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), "-cp", classpath,
                "-proc:none", src.toString())).isZero();
        URLClassLoader loader = new URLClassLoader(new URL[] { out.toUri().toURL() }, getClass().getClassLoader());
        loaders.add(loader);
        return loader.loadClass("app.Prices");
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private ConfigurableApplicationContext start(Class<?> bean) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .initializers(c -> ((GenericApplicationContext) c).registerBean("prices", bean))
                .properties("spring.datasource.url=jdbc:h2:file:" + directory.resolve("store").toAbsolutePath(),
                        "spring.datasource.username=sa", "spring.main.banner-mode=off",
                        "logging.level.com.zaxxer=warn")
                .run();
        contexts.add(context);
        return context;
    }

    private static Object call(ConfigurableApplicationContext context, String function, String key) throws Exception {
        Object bean = context.getBean("prices");
        Method method = bean.getClass().getMethod(function, String.class);
        return method.invoke(bean, key);
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        return context.getBean(Database.class).inspector().ingredient(function).counters().computations();
    }

    @SuppressWarnings("unchecked")
    private ConfigurableApplicationContext serveVersionOne() throws Exception {
        ConfigurableApplicationContext first = start(compile("v1", "items.require(item) + 10"));
        Input<String, Long> items = first.getBean(Input.class);
        items.set("a", 100L);
        items.set("b", 200L);
        assertThat(call(first, "total", "ab")).isEqualTo(320L);
        assertThat(call(first, "label", "a")).isEqualTo("a: 100");
        return first;
    }

    @Test
    void onlyTheChangedFunctionHasAnotherCodeVersionInTheRedeployedApplication() throws Exception {
        ConfigurableApplicationContext first = serveVersionOne();
        Map<String, String> before = first.getBean(QueryFunctionRegistrar.class).codeVersions();
        first.close();
        ConfigurableApplicationContext second = start(compile("v2", "items.require(item) + 20"));
        Map<String, String> after = second.getBean(QueryFunctionRegistrar.class).codeVersions();
        assertThat(after.keySet()).containsExactly("label", "price", "total");
        assertThat(after.get("price")).isNotEqualTo(before.get("price"));
        assertThat(after.get("total")).as("calls price through the runtime: a dependency, not code").isEqualTo(before.get("total"));
        assertThat(after.get("label")).isEqualTo(before.get("label"));
    }

    @Test
    void aFunctionWhoseValuesChangedIsRecomputedWithItsDependentsAndNothingElse(CapturedOutput output)
            throws Exception {
        // r[revision.early-cutoff]
        serveVersionOne().close();
        assertThat(output.getOut()).doesNotContain("changed since their results were saved");

        ConfigurableApplicationContext second = start(compile("v2", "items.require(item) + 20"));
        // The startup says which functions' stored results will not be served, before anything is recomputed.
        assertThat(output.getOut()).contains("the code of [price] changed since their results were saved");
        assertThat(call(second, "label", "a")).isEqualTo("a: 100");
        assertThat(computations(second, "label")).as("label's code did not change").isZero();
        assertThat(call(second, "total", "ab")).isEqualTo(340L);
        assertThat(computations(second, "price")).isEqualTo(2);
        assertThat(computations(second, "total")).isEqualTo(1);
    }

    @Test
    void aFunctionWhoseCodeChangedButNotItsValuesIsRecomputedAloneByEarlyCutoff() throws Exception {
        // r[revision.early-cutoff]
        serveVersionOne().close();

        ConfigurableApplicationContext second = start(compile("v2", "items.require(item) + 5 + 5"));
        assertThat(call(second, "total", "ab")).isEqualTo(320L);
        assertThat(computations(second, "price")).isEqualTo(2);
        assertThat(computations(second, "total")).isZero();
        // label("a") was computed and saved by version one; label("b") never was, so reading it must compute it.
        assertThat(call(second, "label", "a")).isEqualTo("a: 100");
        assertThat(computations(second, "label")).as("label's code did not change").isZero();
    }
}
