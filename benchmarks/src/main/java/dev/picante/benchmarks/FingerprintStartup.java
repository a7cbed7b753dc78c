package dev.picante.benchmarks;

import dev.picante.spring.QueryFunctionRegistrar;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The startup cost of code fingerprints as an application pays it: in a fresh JVM, loads the application's
 * classes (as a started application has them), then times the first fingerprinting of every query function,
 * and, for comparison, a few more (each with a fresh {@code CodeFingerprints}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.picante.benchmarks.FingerprintStartup prepare generated DIR
 * java -cp benchmarks/target/benchmarks.jar dev.picante.benchmarks.FingerprintStartup run generated DIR [REPEATS]
 * </pre>
 *
 * {@code prepare} writes the application's classes into {@code DIR} ({@code demo}: the demo's classes;
 * {@code generated}: the application of 1,000 classes of {@link FingerprintBenchmark}, compiled in that JVM);
 * {@code run} prints {@code first <ms>} (wall clock, and the thread's CPU time, which a loaded machine inflates
 * less) and then the repeats. Run {@code run} once per JVM: only its
 * first line is a startup figure.
 */
public final class FingerprintStartup {

    private FingerprintStartup() {
    }

    public static void main(String[] args) throws Exception {
        if ((args.length == 2 || args.length == 3) && args[0].equals("context")) {
            context(args[1], args.length == 3 ? Path.of(args[2]) : null);
            return;
        }
        if (args.length < 3) {
            throw new IllegalArgumentException(
                    "usage: prepare|run demo|generated DIR [REPEATS], or context demo|generated [H2-FILE]");
        }
        String app = args[1];
        Path classes = Path.of(args[2]);
        if (args[0].equals("prepare")) {
            FingerprintBenchmark.prepare(app, classes);
            return;
        }
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        try (URLClassLoader loader = FingerprintBenchmark.loader(app, classes)) {
            List<Method> functions = FingerprintBenchmark.queryFunctions(loader, classes);
            // another implementation to compare with (e.g. an older CodeFingerprints compiled under another name)
            String other = System.getProperty("fingerprints.class");
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            int hash = other == null ? FingerprintBenchmark.fingerprintAll(loader, functions)
                    : fingerprintAll(other, loader, functions);
            double first = (System.nanoTime() - start) / 1e6;
            double firstCpu = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            System.out.printf("first %.1f ms (thread CPU %.1f ms; %d functions, %08x)%n", first, firstCpu,
                    functions.size(), hash);
            List<String> more = new ArrayList<>();
            for (int i = 0; i < repeats; i++) {
                start = System.nanoTime();
                FingerprintBenchmark.fingerprintAll(loader, functions);
                more.add(String.format("%.1f", (System.nanoTime() - start) / 1e6));
            }
            if (!more.isEmpty()) {
                System.out.println("then " + String.join(" ", more) + " ms");
            }
        }
    }

    /** One operation with another implementation of {@code CodeFingerprints}, found by name. */
    private static int fingerprintAll(String implementation, ClassLoader loader, List<Method> functions)
            throws Exception {
        Class<?> type = Class.forName(implementation);
        Object fingerprints = type.getConstructor(ClassLoader.class).newInstance(loader);
        Method fingerprint = type.getMethod("fingerprint", Method.class);
        int hash = 0;
        for (Method function : functions) {
            hash += fingerprint.invoke(fingerprints, function).hashCode();
        }
        return hash;
    }

    /**
     * Starts a Spring application whose classes come first on the class path from a prepared directory (so that
     * they count as application classes) and prints how long {@code SpringApplication.run} took, how many code
     * versions were computed and how long {@code run} waited for them (the startup's critical path: registrations
     * never wait; the store's load waits for what is left of the background's work when the store holds a save).
     * {@code demo}: the demo application (web server on a free port, durable store in an in-memory H2);
     * {@code generated}: the 100 query beans of the generated application, without a web server or store. With
     * {@code H2-FILE}, the store is an H2 file database there (for the generated application, with a store only
     * then): run twice, the second start loads what the first saved on shutdown (a warm restart).
     */
    private static void context(String app, @org.jspecify.annotations.Nullable Path store) throws Exception {
        Path docs = Files.createTempDirectory("picante-fingerprint-docs");
        List<String> args = new ArrayList<>(List.of("--spring.main.banner-mode=off", "--logging.level.root=WARN",
                "--logging.level.dev.picante.spring.QueryFunctionRegistrar=DEBUG"));
        SpringApplicationBuilder builder;
        if (app.equals("demo")) {
            builder = new SpringApplicationBuilder(Class.forName("dev.picante.demo.DemoApplication"));
            args.addAll(List.of("--server.port=0", "--demo.docs.path=" + docs, "--demo.docs.watch=false",
                    "--spring.datasource.url=" + (store == null ? "jdbc:h2:mem:fingerprint-startup"
                            : "jdbc:h2:file:" + store.toAbsolutePath())));
        } else {
            List<Class<?>> beans = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                beans.add(Class.forName("gen.Queries" + i));
            }
            builder = new SpringApplicationBuilder(store == null ? GeneratedApplication.class
                    : GeneratedStoreApplication.class).web(WebApplicationType.NONE)
                    .initializers(context -> {
                        for (Class<?> bean : beans) {
                            ((GenericApplicationContext) context).registerBean(bean);
                        }
                    });
            if (store == null) {
                args.add("--picante.store.enabled=false");
            } else {
                args.addAll(List.of("--spring.datasource.url=jdbc:h2:file:" + store.toAbsolutePath(),
                        "--spring.datasource.username=sa"));
            }
        }
        long start = System.nanoTime();
        try (ConfigurableApplicationContext context = builder.run(args.toArray(String[]::new))) {
            double took = (System.nanoTime() - start) / 1e6;
            QueryFunctionRegistrar registrar = context.getBean(QueryFunctionRegistrar.class);
            Method wait = QueryFunctionRegistrar.class.getDeclaredMethod("codeVersionWaitNanos");
            wait.setAccessible(true);
            double waited = ((Long) wait.invoke(registrar)) / 1e6; // before codeVersions(), which may wait too
            Object lifecycle = context.getBeanProvider(dev.picante.spring.jdbc.PicanteStoreLifecycle.class)
                    .getIfAvailable();
            String loaded = lifecycle == null ? "no store"
                    : String.valueOf(((dev.picante.spring.jdbc.PicanteStoreLifecycle) lifecycle).lastLoad());
            System.out.printf("started in %.1f ms; waited %.1f ms for code versions during startup; %d code"
                    + " versions; store: %s%n", took, waited, registrar.codeVersions().size(), loaded);
        }
    }

    /** The generated application's configuration: picante's auto-configuration only. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @org.springframework.context.annotation.Import(PicanteAutoConfiguration.class)
    static class GeneratedApplication {
    }

    /** The generated application's configuration with a durable store: picante's and the data source's. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.ImportAutoConfiguration({
            org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class,
            PicanteAutoConfiguration.class,
            dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration.class })
    static class GeneratedStoreApplication {
    }

    /** Prepares the application's classes in another JVM, so that compiling them does not warm up this one. */
    static void prepareInChildJvm(String app, Path classes) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        if (!classpath.contains(File.separator) && !classpath.endsWith(".jar")) {
            throw new IllegalStateException("unexpected class path " + classpath);
        }
        Process process = new ProcessBuilder(java, "-cp", classpath, FingerprintStartup.class.getName(), "prepare",
                app, classes.toString()).inheritIO().start();
        if (process.waitFor() != 0 || !Files.isDirectory(classes)) {
            throw new IllegalStateException("preparing the " + app + " application failed");
        }
    }
}
