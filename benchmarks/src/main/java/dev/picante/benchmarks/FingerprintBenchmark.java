package dev.picante.benchmarks;

import dev.picante.spring.CodeFingerprints;
import dev.picante.spring.QueryFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 13, item 2: the startup cost of the code versions the starter computes from bytecode
 * ({@link CodeFingerprints}) for every {@code @QueryFunction}: one operation creates a fresh
 * {@code CodeFingerprints} (empty caches, as at startup) and fingerprints every query function of the
 * application. The classes are loaded in the setup, as a started application has them; the application is
 * prepared (copied, or generated and compiled) in a child JVM, so that compiling it does not warm up the JIT of
 * the measured one. What startup pays is the first operation of a fresh JVM:
 * {@code -f 10 -wi 0 -i 1 -bm ss}, or {@link FingerprintStartup}.
 *
 * <ul>
 *   <li>{@code app=demo}: the demo's query bean ({@code DocsQueries}), its classes copied from the benchmark jar
 *       into a directory so that they count as application classes (the libraries count by jar identity: here
 *       the one shaded benchmark jar, whose {@code pom.properties} are all read once per operation);
 *   <li>{@code app=generated}: an application of 1,000 classes generated and compiled: 100 records,
 *       50 interfaces with 4 implementations each, 550 service classes whose methods call each other, records,
 *       lambdas and the interfaces, and 100 query beans of 5 functions each (500 fingerprints).
 * </ul>
 *
 * Goal: under 200 ms per operation (single shot: the first operations run mostly interpreted, as at startup).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(1)
@State(Scope.Benchmark)
public class FingerprintBenchmark {

    @Param({ "demo", "generated" })
    public String app;

    private Path directory;
    private URLClassLoader loader;
    private List<Method> functions;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        directory = Files.createTempDirectory("fingerprints");
        Path classes = directory.resolve("classes");
        // prepared in another JVM, so that compiling the generated application does not warm up this one
        FingerprintStartup.prepareInChildJvm(app, classes);
        loader = loader(app, classes);
        functions = queryFunctions(loader, classes);
        if (functions.isEmpty() || (app.equals("generated") && functions.size() != 500)) {
            throw new IllegalStateException(functions.size() + " query functions found for " + app);
        }
    }

    /** Writes the application's classes into {@code classes}: the demo's, or the generated application's. */
    static void prepare(String app, Path classes) throws Exception {
        Files.createDirectories(classes);
        if (app.equals("demo")) {
            copyDemoClasses(classes);
        } else if (app.equals("generated")) {
            generate(classes.resolveSibling(classes.getFileName() + "-src"), classes);
        } else {
            throw new IllegalArgumentException("app must be demo or generated, was " + app);
        }
    }

    /** A class loader that loads the application's classes from {@code classes}, as application classes. */
    static URLClassLoader loader(String app, Path classes) throws IOException {
        String prefix = app.equals("demo") ? "dev/picante/demo/" : "gen/";
        return new ChildFirst(classes.toUri().toURL(), prefix, FingerprintBenchmark.class.getClassLoader());
    }

    /** Loads every class under {@code classes} (as a started application has them); returns its query functions. */
    static List<Method> queryFunctions(ClassLoader loader, Path classes) throws Exception {
        List<Method> functions = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                if (name.endsWith(".class")) {
                    Class<?> type = loader.loadClass(name.substring(0, name.length() - 6).replace('/', '.'));
                    for (Method method : type.getDeclaredMethods()) {
                        if (method.isAnnotationPresent(QueryFunction.class)) {
                            functions.add(method);
                        }
                    }
                }
            }
        }
        functions.sort(Comparator.comparing(Method::toString));
        return functions;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        loader.close();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Benchmark
    public int fingerprintAll() {
        return fingerprintAll(loader, functions);
    }

    /** One operation: a fresh {@code CodeFingerprints} fingerprints every function. */
    static int fingerprintAll(ClassLoader loader, List<Method> functions) {
        CodeFingerprints fingerprints = new CodeFingerprints(loader);
        int hash = 0;
        for (Method function : functions) {
            hash += fingerprints.fingerprint(function).hashCode();
        }
        return hash;
    }

    private static void copyDemoClasses(Path classes) throws Exception {
        Path jar = Path.of(QueryFunction.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(jar)) {
            throw new IllegalStateException("run from the benchmark jar: " + jar);
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : (Iterable<JarEntry>) file.stream()::iterator) {
                if (entry.getName().startsWith("dev/picante/demo/") && entry.getName().endsWith(".class")) {
                    Path target = classes.resolve(entry.getName());
                    Files.createDirectories(target.getParent());
                    try (InputStream in = file.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
    }

    /** Writes and compiles the generated application of 1,000 classes. */
    static void generate(Path src, Path classes) throws Exception {
        List<String> paths = new ArrayList<>();
        int records = 100;
        int interfaces = 50;
        int services = 550;
        int beans = 100;
        for (int i = 0; i < records; i++) {
            paths.add(write(src, "Rec" + i, "package gen; public record Rec" + i
                    + "(String name, long value, java.util.List<String> tags) {"
                    + " public long weight() { return value * " + (i + 1) + " + tags.size(); } }"));
        }
        for (int i = 0; i < interfaces; i++) {
            paths.add(write(src, "Rule" + i, "package gen; public interface Rule" + i + " { long apply(Rec"
                    + (i % records) + " r); }"));
            for (int j = 0; j < 4; j++) {
                paths.add(write(src, "Rule" + i + "Impl" + j, "package gen; public class Rule" + i + "Impl" + j
                        + " implements Rule" + i + " { public long apply(Rec" + (i % records) + " r) {"
                        + " return r.weight() + " + j + " + r.name().length(); } }"));
            }
        }
        for (int i = 0; i < services; i++) {
            int rule = i % interfaces;
            int rec = rule % records;
            StringBuilder sb = new StringBuilder("package gen; import java.util.*; public class Service" + i + " {\n");
            sb.append("  private final Rule").append(rule).append(" rule = new Rule").append(rule).append("Impl")
                    .append(i % 4).append("();\n");
            sb.append("  public long a(String s) { Rec").append(rec).append(" r = new Rec").append(rec)
                    .append("(s, s.length(), List.of(s)); return rule.apply(r) + b(s); }\n");
            sb.append("  public long b(String s) { return s.chars().filter(c -> c > ").append(i % 90)
                    .append(").count(); }\n");
            sb.append("  public long c(List<String> xs) { long t = 0; for (String x : xs) { t += a(x); }");
            if (i + 1 < services) {
                sb.append(" t += new Service").append(i + 1).append("().b(\"x\");");
            }
            if (i + 7 < services) {
                sb.append(" t += new Service").append(i + 7).append("().d(t);");
            }
            sb.append(" return t; }\n");
            sb.append("  public long d(long v) { return Math.max(v, ").append(i).append(") % 97; }\n}\n");
            paths.add(write(src, "Service" + i, sb.toString()));
        }
        for (int i = 0; i < beans; i++) {
            StringBuilder sb = new StringBuilder("package gen; import java.util.*;"
                    + " import dev.picante.spring.QueryFunction; public class Queries" + i + " {\n");
            for (int f = 0; f < 5; f++) {
                int service = (i * 5 + f) % services;
                sb.append("  @QueryFunction public long f").append(f).append("(String key) { return new Service")
                        .append(service).append("().c(List.of(key, key + ").append(f).append("))")
                        .append(f > 0 ? " + f" + (f - 1) + "(key)" : "").append("; }\n");
            }
            sb.append("}\n");
            paths.add(write(src, "Queries" + i, sb.toString()));
        }
        if (paths.size() != 1000) {
            throw new IllegalStateException(paths.size() + " classes generated");
        }
        String classpath = Path.of(QueryFunction.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", classpath, "-proc:none",
                "-nowarn"));
        args.addAll(paths);
        if (ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("the generated application does not compile");
        }
    }

    private static String write(Path src, String name, String source) {
        try {
            Path file = src.resolve("gen/" + name + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
            return file.toString();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Loads the application's classes (under a prefix) from its directory first, everything else from the parent. */
    static final class ChildFirst extends URLClassLoader {

        private final String prefix;

        ChildFirst(URL classes, String prefix, ClassLoader parent) {
            super(new URL[] { classes }, parent);
            this.prefix = prefix;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.replace('.', '/').startsWith(prefix)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    loaded = findClass(name);
                }
                return loaded;
            }
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith(prefix) ? findResource(name) : super.getResource(name);
        }
    }
}
