package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Code versions computed from bytecode (issue 13, item 2): two versions of an application are compiled at
 * test time into separate directories and loaded by separate class loaders; a change reaches exactly the
 * functions whose code can reach it.
 */
class CodeFingerprintsTests {

    @TempDir
    Path temp;

    private final Map<String, String> sources = new LinkedHashMap<>();

    @BeforeEach
    void application() {
        sources.put("app/Price.java", "package app; public record Price(long cents, String currency) {}");
        sources.put("app/Rule.java", "package app; public interface Rule { long apply(long value); }");
        sources.put("app/AddOne.java", "package app; public class AddOne implements Rule {"
                + " public long apply(long value) { return value + 1; } }");
        sources.put("app/Times.java", "package app; public class Times implements Rule {"
                + " public long apply(long value) { return value * 3; } }");
        sources.put("app/Prices.java", """
                package app;
                import java.util.List;
                public class Prices {
                    private final String prefix = String.valueOf("EUR");
                    public long total(List<Long> items) {
                        long total = 0;
                        for (long item : items) {
                            total += item;
                        }
                        return total + fee();
                    }
                    public long fee() {
                        return 10;
                    }
                    public String label(String text) {
                        return prefix + text.trim();
                    }
                    public Price price(long cents) {
                        return new Price(cents, "EUR");
                    }
                    public long doubled(long value) {
                        return helper(value) * 2;
                    }
                    long helper(long value) {
                        return value + 1;
                    }
                    public int lengths(List<String> words) {
                        return words.stream().mapToInt(word -> word.length()).sum();
                    }
                    public long applied(Rule rule, long value) {
                        return rule.apply(value);
                    }
                    @dev.picante.spring.QueryFunction
                    public long base(String item) {
                        return item.length() * 7;
                    }
                    @dev.picante.spring.QueryFunction
                    public long withBase(String item) {
                        return base(item) + 1;
                    }
                }
                """);
    }

    private Map<String, String> fingerprints(String version, Map<String, String> changes) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(sources);
        changes.forEach((file, replacement) -> {
            String[] parts = replacement.split("=>", 2);
            String before = all.get(file);
            assertThat(before).as(file).contains(parts[0]);
            all.put(file, before.replace(parts[0], parts[1]));
        });
        Path classes = compile(version, all, Path.of(QueryFunction.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI()).toString());
        try (URLClassLoader loader = new URLClassLoader(new URL[] { classes.toUri().toURL() },
                getClass().getClassLoader())) {
            CodeFingerprints fingerprints = new CodeFingerprints(loader);
            Map<String, String> result = new LinkedHashMap<>();
            for (Method method : loader.loadClass("app.Prices").getDeclaredMethods()) {
                if (!method.isSynthetic()) {
                    result.put(method.getName(), fingerprints.fingerprint(method));
                }
            }
            return result;
        }
    }

    private Path compile(String version, Map<String, String> files, String... classpath) throws IOException {
        Path src = temp.resolve(version + "-src");
        Path out = temp.resolve(version + "-classes");
        Files.createDirectories(out);
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = src.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
            paths.add(path.toString());
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-g", "-proc:none"));
        if (classpath.length > 0) {
            args.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, classpath)));
        }
        args.addAll(paths);
        assertThat(compiler.run(null, null, null, args.toArray(String[]::new))).isZero();
        return out;
    }

    @Test
    void theSameCodeCompiledTwiceHasTheSameFingerprints() throws Exception {
        assertThat(fingerprints("a", Map.of())).isEqualTo(fingerprints("b", Map.of()));
    }

    @Test
    void aChangedMethodAndItsCallersChangeAndTheOtherMethodsOfTheClassDoNot() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java", "return 10;=>return 20;"));
        assertThat(after.get("fee")).isNotEqualTo(before.get("fee"));
        assertThat(after.get("total")).as("a caller of the changed method").isNotEqualTo(before.get("total"));
        for (String unchanged : List.of("label", "price", "doubled", "helper", "lengths", "applied", "base",
                "withBase")) {
            assertThat(after.get(unchanged)).as(unchanged).isEqualTo(before.get(unchanged));
        }
    }

    @Test
    void aQueryFunctionCallingAnotherKeepsItsFingerprintWhenTheOtherChanges() throws Exception {
        // the call goes through the runtime: a dependency whose changes arrive by value (early cutoff)
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java", "* 7;=>* 8;"));
        assertThat(after.get("base")).isNotEqualTo(before.get("base"));
        assertThat(after.get("withBase")).isEqualTo(before.get("withBase"));
    }

    @Test
    void aChangeInACalledPackagePrivateMethodChangesItsCaller() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java", "return value + 1;=>return value + 2;"));
        assertThat(after.get("doubled")).isNotEqualTo(before.get("doubled"));
        assertThat(after.get("total")).isEqualTo(before.get("total"));
    }

    @Test
    void aRecordThatGainedAFieldChangesTheFunctionsUsingIt() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Price.java",
                "String currency) {}=>String currency, int scale) {"
                        + " public Price(long cents, String currency) { this(cents, currency, 2); } }"));
        assertThat(after.get("price")).isNotEqualTo(before.get("price"));
        assertThat(after.get("total")).isEqualTo(before.get("total"));
        assertThat(after.get("label")).isEqualTo(before.get("label"));
    }

    @Test
    void aChangedLambdaBodyChangesItsFunction() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java",
                "word.length()=>word.strip().length()"));
        assertThat(after.get("lengths")).isNotEqualTo(before.get("lengths"));
        assertThat(after.get("fee")).isEqualTo(before.get("fee"));
    }

    @Test
    void aChangedImplementationOfAnInterfaceChangesTheFunctionsCallingTheInterface() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Times.java", "value * 3=>value * 4"));
        assertThat(after.get("applied")).isNotEqualTo(before.get("applied"));
        assertThat(after.get("total")).isEqualTo(before.get("total"));
    }

    @Test
    void aChangedFieldInitializerChangesTheFunctionsReadingTheField() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java", "valueOf(\"EUR\")=>valueOf(\"USD\")"));
        assertThat(after.get("label")).isNotEqualTo(before.get("label"));
        assertThat(after.get("fee")).isEqualTo(before.get("fee"));
    }

    @Test
    void movedLinesDoNotChangeFingerprints() throws Exception {
        Map<String, String> before = fingerprints("v1", Map.of());
        Map<String, String> after = fingerprints("v2", Map.of("app/Prices.java",
                "public class Prices {=>public class Prices {\n\n\n    // a comment\n"));
        assertThat(after).isEqualTo(before);
    }

    @Test
    void aLibraryCountsByItsJarsIdentity() throws Exception {
        Path classes = compile("lib", Map.of("lib/Tax.java",
                "package lib; public class Tax { public static long of(long v) { return v / 5; } }"));
        Path v1 = jar(classes, "1.0");
        Path v1Again = jar(classes, "1.0", "again");
        Path v2 = jar(classes, "2.0");
        Path app = compile("app", Map.of("app/Taxes.java",
                "package app; public class Taxes { public long tax(long v) { return lib.Tax.of(v); } }"),
                classes.toString());
        assertThat(libraryFingerprint(app, v1)).isEqualTo(libraryFingerprint(app, v1Again))
                .isNotEqualTo(libraryFingerprint(app, v2));
    }

    private String libraryFingerprint(Path app, Path jar) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] { app.toUri().toURL(), jar.toUri().toURL() },
                getClass().getClassLoader())) {
            return new CodeFingerprints(loader).fingerprint(loader.loadClass("app.Taxes").getMethod("tax",
                    long.class));
        }
    }

    private Path jar(Path classes, String version, String... suffix) throws IOException {
        // an unversioned file name: the identity comes from pom.properties
        Path jar = temp.resolve("tax-" + version + String.join("", suffix)).resolve("tax.jar");
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files =
                Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                }
            }
            out.putNextEntry(new JarEntry("META-INF/maven/example/tax/pom.properties"));
            write(out, "groupId=example\nartifactId=tax\nversion=" + version + "\n");
        }
        return jar;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anExplicitVersionOverridesAndTheSaltIsAddedToEveryVersion() throws Exception {
        ObjectProvider<QueryFunctionObserver> none = new org.springframework.beans.factory.support
                .StaticListableBeanFactory().getBeanProvider(QueryFunctionObserver.class);
        QueryFunctionRegistrar plain = new QueryFunctionRegistrar(() -> null, none);
        QueryFunctionRegistrar salted = new QueryFunctionRegistrar(() -> null, none, () -> "release-7");
        Method explicit = Versioned.class.getMethod("explicit", String.class);
        Method computed = Versioned.class.getMethod("computed", String.class);
        QueryFunction explicitAnnotation = explicit.getAnnotation(QueryFunction.class);
        QueryFunction computedAnnotation = computed.getAnnotation(QueryFunction.class);

        assertThat(plain.codeVersion(Versioned.class, explicit, explicitAnnotation)).isEqualTo("2");
        assertThat(salted.codeVersion(Versioned.class, explicit, explicitAnnotation)).isEqualTo("2+release-7");
        String fingerprint = new CodeFingerprints(getClass().getClassLoader()).fingerprint(computed);
        assertThat(fingerprint).matches("[0-9a-f]{32}");
        assertThat(plain.codeVersion(Versioned.class, computed, computedAnnotation)).isEqualTo(fingerprint);
        assertThat(salted.codeVersion(Versioned.class, computed, computedAnnotation))
                .isEqualTo(fingerprint + "+release-7");
    }

    @Test
    void codeVersionsComputedInTheBackgroundAtStartupEqualThoseComputedOnTheRegistrationThread() throws Exception {
        Method computed = Versioned.class.getMethod("computed", String.class);
        String fingerprint = new CodeFingerprints(getClass().getClassLoader()).fingerprint(computed);
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
                .withBean(Versioned.class).run(context -> {
                    QueryFunctionRegistrar registrar = context.getBean(QueryFunctionRegistrar.class);
                    assertThat(registrar.computesCodeVersionsInTheBackground()).isTrue();
                    assertThat(registrar.codeVersions().values()).containsExactlyInAnyOrder("2", fingerprint);
                    assertThat(context.getBean(Versioned.class).computed("a")).isEqualTo("A");
                });
    }

    @Test
    void noBackgroundComputationWhenEveryVersionIsExplicit() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
                .withBean(OnlyExplicit.class).run(context -> {
                    QueryFunctionRegistrar registrar = context.getBean(QueryFunctionRegistrar.class);
                    assertThat(registrar.computesCodeVersionsInTheBackground()).isFalse();
                    assertThat(registrar.codeVersions().values()).containsExactly("7");
                });
    }

    @Test
    void registrationsDoNotWaitForCodeVersionsAndTheLoadOfASavedStoreReadsThem() throws Exception {
        Method computed = Versioned.class.getMethod("computed", String.class);
        String fingerprint = new CodeFingerprints(getClass().getClassLoader()).fingerprint(computed);
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        PicanteAutoConfiguration.class, PicanteJdbcStoreAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:file:" + temp.resolve("store").toAbsolutePath(),
                        "spring.datasource.username=sa")
                .withBean(Versioned.class);
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            QueryFunctionRegistrar registrar = context.getBean(QueryFunctionRegistrar.class);
            assertThat(registrar.computesCodeVersionsInTheBackground()).isTrue();
            assertThat(registrar.codeVersionWaitNanos()).as("nothing saved yet: no version was read").isZero();
            assertThat(context.getBean(Versioned.class).computed("a")).isEqualTo("A");
        }); // the save on shutdown reads the versions
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            QueryFunctionRegistrar registrar = context.getBean(QueryFunctionRegistrar.class);
            assertThat(registrar.codeVersionWaitNanos()).as("the load read the fingerprint").isPositive();
            Map<String, String> versions = registrar.codeVersions();
            assertThat(versions.values()).containsExactlyInAnyOrder("2", fingerprint);
            String name = versions.entrySet().stream().filter(e -> e.getValue().equals(fingerprint)).findFirst()
                    .orElseThrow().getKey();
            assertThat(context.getBean(Versioned.class).computed("a")).isEqualTo("A");
            assertThat(context.getBean(dev.picante.Database.class).inspector().ingredient(name).counters()
                    .computations()).as("the same version: served as loaded").isZero();
        });
    }

    static class OnlyExplicit {

        @QueryFunction(version = "7")
        public String value(String key) {
            return key;
        }
    }

    static class Versioned {

        @QueryFunction(version = "2")
        public String explicit(String key) {
            return key;
        }

        @QueryFunction
        public String computed(String key) {
            return key.toUpperCase(java.util.Locale.ROOT);
        }
    }
}
