package dev.picante.spring;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.asm.AnnotationVisitor;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.ConstantDynamic;
import org.springframework.asm.FieldVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.Label;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.RecordComponentVisitor;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;

/**
 * Computes the code version of a {@link QueryFunction} method from bytecode: a 128-bit hash of the method's
 * own instructions and of everything in the application it can reach, so that a redeploy whose code changed what
 * a function computes recomputes its stored results (and, by early cutoff, nothing more).
 *
 * <p>What a fingerprint covers, starting from the method:
 * <ul>
 * <li>the instructions of every application method it can reach: methods it calls, transitively (but not
 * into another {@link QueryFunction}: calls of those go through the runtime, which tracks them as
 * dependencies, so only their signature counts); the
 * implementation methods of its lambdas and method references ({@code invokedynamic} arguments); for a call
 * of a method that can be overridden (an interface or non-final method), every override among the application
 * classes; the constructors and static initializers of the classes whose fields it reads; every method of an
 * application class it instantiates (library code may call them back);</li>
 * <li>the shape of every application class it uses as a type (instantiates, casts to, or that appears in a
 * reached method's signature or in a field of such a class): its super types, fields and record
 * components;</li>
 * <li>for a class from a library jar, the jar's identity (Maven coordinates from its
 * {@code META-INF/maven/.../pom.properties}, else the jar's file name), not its bytecode;</li>
 * <li>for a class of the Java runtime, the runtime's feature version ({@code java-17}): a Java upgrade
 * recomputes derived results, since library behaviour (formatting, hashing order) may change.</li>
 * </ul>
 * Debug information (line numbers, local variable names) is left out, and calls of a class's own lambda
 * methods are hashed by their body rather than their generated name, so moving code or editing another
 * method of the same class keeps a function's version. Application classes are those loaded from a
 * directory or from the {@code BOOT-INF/classes} / {@code WEB-INF/classes} of an executable archive.
 *
 * <p>Not covered: values a function reads without an input (configuration read into fields, files, system
 * properties), reflection, and code loaded at run time; {@code @QueryFunction(version = ...)} and the
 * {@code picante.store.code-version} salt cover these.
 *
 * <p>Each class is read once per instance and each function's fingerprint is computed once; the hash of each
 * strongly connected part of the code graph is shared by every function that reaches it. The hash is not
 * cryptographic (it tells code versions apart; it does not resist code written to collide) and is cheap
 * before the JIT compiles it, which is when startup runs it. Thread-safe.
 */
public final class CodeFingerprints {

    private static final String QUERY_FUNCTION = Type.getDescriptor(QueryFunction.class);
    private static final String JDK = "java-" + Runtime.version().feature();
    private static final Pattern VERSIONED = Pattern.compile(".*-\\d+(\\.\\d+)*.*\\.jar");

    private final ClassLoader loader;
    private final Map<String, ClassInfo> classes = new ConcurrentHashMap<>();
    private final Map<String, String> jars = new ConcurrentHashMap<>();
    private final Map<Method, String> fingerprints = new ConcurrentHashMap<>();
    /** The hash of each node walked, for the application roots indexed so far. */
    private final Map<Node, Hash> hashes = new HashMap<>();
    private final Map<Node, Expansion> expansions = new HashMap<>();
    private final Object indexLock = new Object();
    /** The application roots whose classes are in {@link #subtypes}. */
    private final Set<String> indexedRoots = new HashSet<>();
    /** Application roots seen while reading classes. */
    private final Set<String> roots = ConcurrentHashMap.newKeySet();
    /** The class names in each descriptor or signature seen, shared by the classes read. */
    private final Map<String, List<String>> descriptorTypes = new ConcurrentHashMap<>();
    /** The root of each application directory seen, by URL prefix: such a class's URL needs no further look. */
    private final Map<String, String> directoryUrls = new ConcurrentHashMap<>();
    /**
     * Class files read while indexing a root and not parsed yet, by root and class name; dropped at the end of
     * each {@link #fingerprint} (so that a large application's unreached classes are not kept).
     */
    private final Map<String, Map<String, ClassReader>> readAhead = new HashMap<>();
    /** Marks the origin of an application class, followed by its root. */
    private static final String APPLICATION = "application ";
    /** Direct application subtypes of each type, of the indexed roots. */
    private final Map<String, Set<String>> subtypes = new HashMap<>();

    /**
     * Creates fingerprints of the classes visible to {@code loader}.
     *
     * @param loader the class loader of the application's classes
     */
    public CodeFingerprints(ClassLoader loader) {
        this.loader = loader;
    }

    /**
     * Returns the fingerprint of {@code method}'s code: 32 hex digits, equal for equal code.
     *
     * @param method a method of an application class
     * @return the fingerprint
     */
    public String fingerprint(Method method) {
        String known = fingerprints.get(method);
        if (known != null) {
            return known;
        }
        synchronized (this) {
            Node start = new Node(Kind.FUNCTION, Type.getInternalName(method.getDeclaringClass()), method.getName(),
                    Type.getMethodDescriptor(method));
            info(start.owner); // notes the function's own application root before the walk
            String fingerprint;
            while (true) {
                int before = roots.size();
                fingerprint = hash(start).hex();
                if (roots.size() == before) {
                    break;
                }
                // application roots found while walking may hold more overrides: walk again with them indexed
                hashes.clear();
                expansions.clear();
            }
            fingerprints.put(method, fingerprint);
            synchronized (indexLock) {
                readAhead.clear();
            }
            return fingerprint;
        }
    }

    /**
     * Returns the hash of everything reachable from {@code start}: each strongly connected component of the
     * graph of reached nodes hashes its members' own entries and the hashes of the components it reaches
     * (computed once and shared by every function that reaches them), found with an iterative Tarjan walk.
     */
    private Hash hash(Node start) {
        Hash done = hashes.get(start);
        if (done != null) {
            return done;
        }
        Map<Node, int[]> marks = new HashMap<>(); // index, low
        Deque<Node> stack = new ArrayDeque<>();
        Set<Node> onStack = new HashSet<>();
        Deque<Frame> calls = new ArrayDeque<>();
        int[] counter = {0};
        enter(start, marks, stack, onStack, calls, counter);
        while (!calls.isEmpty()) {
            Frame frame = calls.peek();
            if (frame.next < frame.expansion.children.size()) {
                Node child = frame.expansion.children.get(frame.next++);
                if (hashes.containsKey(child)) {
                    continue;
                }
                int[] mark = marks.get(child);
                if (mark == null) {
                    enter(child, marks, stack, onStack, calls, counter);
                } else if (onStack.contains(child)) {
                    int[] own = java.util.Objects.requireNonNull(marks.get(frame.node));
                    own[1] = Math.min(own[1], mark[0]);
                }
                continue;
            }
            calls.pop();
            int[] own = java.util.Objects.requireNonNull(marks.get(frame.node));
            if (!calls.isEmpty()) {
                int[] parent = java.util.Objects.requireNonNull(marks.get(calls.peek().node));
                parent[1] = Math.min(parent[1], own[1]);
            }
            if (own[1] == own[0]) {
                List<Node> members = new ArrayList<>();
                Node member;
                do {
                    member = stack.pop();
                    onStack.remove(member);
                    members.add(member);
                } while (!member.equals(frame.node));
                Hash hash;
                if (members.size() == 1) {
                    Expansion expansion = java.util.Objects.requireNonNull(expansions.get(members.get(0)));
                    Set<Hash> reached = new TreeSet<>();
                    for (Node child : expansion.children) {
                        if (!child.equals(members.get(0))) {
                            reached.add(java.util.Objects.requireNonNull(hashes.get(child)));
                        }
                    }
                    hash = component(expansion.entry == null ? Set.of() : Set.of(expansion.entry), reached);
                } else {
                    Set<Hash> entries = new TreeSet<>();
                    Set<Hash> reached = new TreeSet<>();
                    Set<Node> component = new HashSet<>(members);
                    for (Node m : members) {
                        Expansion expansion = java.util.Objects.requireNonNull(expansions.get(m));
                        if (expansion.entry != null) {
                            entries.add(expansion.entry);
                        }
                        for (Node child : expansion.children) {
                            if (!component.contains(child)) {
                                reached.add(java.util.Objects.requireNonNull(hashes.get(child)));
                            }
                        }
                    }
                    hash = component(entries, reached);
                }
                for (Node m : members) {
                    hashes.put(m, hash);
                }
            }
        }
        return java.util.Objects.requireNonNull(hashes.get(start));
    }

    private void enter(Node node, Map<Node, int[]> marks, Deque<Node> stack, Set<Node> onStack, Deque<Frame> calls,
            int[] counter) {
        marks.put(node, new int[] {counter[0], counter[0]});
        counter[0]++;
        stack.push(node);
        onStack.add(node);
        calls.push(new Frame(node, expansion(node)));
    }

    private Expansion expansion(Node node) {
        Expansion expansion = expansions.get(node);
        if (expansion == null) {
            List<Node> children = new ArrayList<>();
            Hash entry = visit(node, children);
            for (int i = 0; i < children.size(); i++) {
                // every node of a library class hashes to its origin alone: one node per origin keeps the graph small
                Node child = children.get(i);
                if (child.kind != Kind.ORIGIN) {
                    ClassInfo info = info(child.owner);
                    if (info != null && info.origin != null) {
                        children.set(i, new Node(Kind.ORIGIN, info.origin, "", ""));
                    }
                }
            }
            expansion = new Expansion(entry, children.size() < 2 ? children
                    : new ArrayList<>(new LinkedHashSet<>(children)));
            expansions.put(node, expansion);
        }
        return expansion;
    }

    /** The hash of a component: of its members' own entries and of the components it reaches, each sorted. */
    private static Hash component(Set<Hash> entries, Set<Hash> reached) {
        Hasher hasher = new Hasher();
        hasher.add(entries.size());
        for (Hash entry : entries) {
            hasher.add(entry);
        }
        hasher.add(reached.size());
        for (Hash hash : reached) {
            hasher.add(hash);
        }
        return hasher.finish();
    }

    /** A node's own entry (null if it has none) and the nodes it reaches directly. */
    private record Expansion(@Nullable Hash entry, List<Node> children) {
    }

    /** A node being walked, and the next of its children to look at. */
    private static final class Frame {

        final Node node;
        final Expansion expansion;
        int next;

        Frame(Node node, Expansion expansion) {
            this.node = node;
            this.expansion = expansion;
        }
    }

    /** Adds the nodes {@code node} reaches directly to {@code queue}; returns its own entry, or null. */
    private @Nullable Hash visit(Node node, List<Node> queue) {
        if (node.kind == Kind.ORIGIN) {
            return originHash(node.owner);
        }
        ClassInfo info = info(node.owner);
        if (info == null) {
            return new Hasher().add("missing").add(node.owner).finish();
        }
        if (info.origin != null) {
            return info.originHash;
        }
        switch (node.kind) {
            case FUNCTION -> {
                return method(info, node.name, node.descriptor, true, queue);
            }
            case METHOD -> {
                return method(info, node.name, node.descriptor, false, queue);
            }
            case OVERRIDES -> {
                for (String subtype : subtypes(info.name)) {
                    ClassInfo sub = info(subtype);
                    MethodInfo override = sub == null ? null : sub.methods.get(node.name.concat(node.descriptor));
                    if (override != null && !override.isStatic) {
                        queue.add(new Node(Kind.METHOD, subtype, node.name, node.descriptor));
                    }
                }
            }
            case SHAPE -> {
                for (String type : info.shapeTypes) {
                    queue.add(new Node(Kind.SHAPE, type, "", ""));
                }
                return info.shape;
            }
            case INIT -> {
                for (MethodInfo method : info.methods.values()) {
                    if (method.name.equals("<init>") || method.name.equals("<clinit>")) {
                        queue.add(new Node(Kind.METHOD, info.name, method.name, method.descriptor));
                    }
                }
            }
            case ALL_METHODS -> {
                for (MethodInfo method : info.methods.values()) {
                    queue.add(new Node(Kind.METHOD, info.name, method.name, method.descriptor));
                }
                queue.add(new Node(Kind.SHAPE, info.name, "", ""));
            }
        }
        return null;
    }

    private @Nullable Hash method(ClassInfo info, String name, String descriptor, boolean root, List<Node> queue) {
        MethodInfo method = info.methods.get(name.concat(descriptor));
        if (method == null) {
            // inherited: resolve in the super types, as the JVM would
            if (info.superName != null) {
                queue.add(new Node(Kind.METHOD, info.superName, name, descriptor));
            }
            for (String type : info.interfaces) {
                queue.add(new Node(Kind.METHOD, type, name, descriptor));
            }
            return null;
        }
        if (method.queryFunction && !root) {
            // a call of another query function goes through the runtime, which tracks it as a dependency:
            // its changes reach this function by value (early cutoff), not by code
            return new Hasher().add("query").add(info.name).add(name).add(descriptor).finish();
        }
        queue.addAll(method.references);
        MethodInfo clinit = info.methods.get("<clinit>()V");
        if (clinit != null && method != clinit) {
            queue.add(new Node(Kind.METHOD, info.name, "<clinit>", "()V"));
        }
        return new Hasher().add("method").add(info.name).add(name).add(descriptor)
                .add(java.util.Objects.requireNonNull(method.body)).finish();
    }

    private Set<String> subtypes(String type) {
        synchronized (indexLock) {
            for (String root : List.copyOf(roots)) {
                if (indexedRoots.add(root)) {
                    index(root);
                }
            }
            Set<String> all = new LinkedHashSet<>();
            Deque<String> queue = new ArrayDeque<>(List.of(type));
            while (!queue.isEmpty()) {
                for (String sub : subtypes.getOrDefault(queue.poll(), Set.of())) {
                    if (all.add(sub)) {
                        queue.add(sub);
                    }
                }
            }
            return all;
        }
    }

    /** Reads the super types of every class under an application root. */
    private void index(String root) {
        try {
            if (root.startsWith("dir:")) {
                Path dir = Paths.get(root.substring(4));
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        if (file.toString().endsWith(".class")) {
                            addSubtype(root, Files.readAllBytes(file));
                        }
                    }
                }
            } else {
                // "jar:<archive>!<prefix>"
                int bang = root.lastIndexOf('!');
                try (JarFile jar = new JarFile(root.substring(4, bang))) {
                    String prefix = root.substring(bang + 1);
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                        JarEntry entry = e.nextElement();
                        if (entry.getName().startsWith(prefix) && entry.getName().endsWith(".class")) {
                            try (InputStream in = jar.getInputStream(entry)) {
                                addSubtype(root, in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException ex) {
            // an unreadable root: the overrides it holds are not seen, and this is stable across runs
        }
    }

    private void addSubtype(String root, byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        String name = reader.getClassName();
        if (!classes.containsKey(name)) {
            readAhead.computeIfAbsent(root, k -> new HashMap<>()).put(name, reader);
        }
        if (reader.getSuperName() != null) {
            subtypes.computeIfAbsent(reader.getSuperName(), k -> new TreeSet<>()).add(name);
        }
        for (String type : reader.getInterfaces()) {
            subtypes.computeIfAbsent(type, k -> new TreeSet<>()).add(name);
        }
    }

    private @Nullable ClassInfo info(String name) {
        ClassInfo info = classes.get(name);
        if (info == null) {
            info = read(name);
            if (info == null) {
                return null;
            }
            ClassInfo previous = classes.putIfAbsent(name, info);
            if (previous != null) {
                info = previous;
            }
        }
        return info;
    }

    private @Nullable ClassInfo read(String name) {
        URL url = loader.getResource(name.concat(".class"));
        if (url == null) {
            return null;
        }
        String origin = origin(url, name);
        if (!origin.startsWith(APPLICATION)) {
            return new ClassInfo(name, origin);
        }
        ClassReader known;
        synchronized (indexLock) {
            Map<String, ClassReader> read = readAhead.get(origin.substring(APPLICATION.length()));
            known = read == null ? null : read.remove(name);
        }
        try (InputStream in = known != null ? null : url.openStream()) {
            ClassInfo info = new ClassInfo(name, null);
            (known != null ? known : new ClassReader(java.util.Objects.requireNonNull(in))).accept(
                    new ClassParser(info, descriptorTypes), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            return info;
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read the bytecode of " + name.replace('/', '.'), ex);
        }
    }

    /**
     * Returns what identifies a class's code; for an application class, {@link #APPLICATION} and its root (""
     * if unknown), and notes the root.
     */
    private String origin(URL url, String name) {
        String protocol = url.getProtocol();
        String text = url.toString();
        if (protocol.equals("jrt")) {
            return JDK;
        }
        if (protocol.equals("file")) {
            for (Map.Entry<String, String> directory : directoryUrls.entrySet()) {
                if (text.startsWith(directory.getKey())) {
                    return directory.getValue();
                }
            }
            String path = urlPath(url);
            String suffix = name.concat(".class");
            String root = "dir:" + path.substring(0, path.length() - suffix.length());
            roots.add(root);
            if (text.endsWith(suffix)) {
                directoryUrls.put(text.substring(0, text.length() - suffix.length()), APPLICATION + root);
            }
            return APPLICATION + root;
        }
        for (String classes : List.of("BOOT-INF/classes/", "WEB-INF/classes/")) {
            if (text.contains(classes)) {
                String archive = archive(url);
                if (archive == null) {
                    return APPLICATION;
                }
                String root = "jar:" + archive + "!" + classes;
                roots.add(root);
                return APPLICATION + root;
            }
        }
        if (protocol.equals("jar")) {
            String jar = text.substring(0, text.lastIndexOf("!/"));
            return jars.computeIfAbsent(jar, k -> "library " + jarIdentity(url, k));
        }
        return "other " + protocol;
    }

    private static String urlPath(URL url) {
        try {
            return Paths.get(url.toURI()).toString().replace('\\', '/');
        } catch (Exception ex) {
            return url.getPath();
        }
    }

    /** Returns the path of the (outer) archive of a {@code jar:} URL, if it is a file. */
    private static @Nullable String archive(URL url) {
        try {
            URLConnection connection = url.openConnection();
            if (connection instanceof JarURLConnection jar) {
                URL file = jar.getJarFileURL();
                if (file.getProtocol().equals("file")) {
                    return urlPath(file);
                }
            }
        } catch (IOException | RuntimeException ex) {
            // not a plain jar
        }
        String text = url.toString();
        Matcher m = Pattern.compile("^(?:jar:)?(?:nested:|file:)([^!]+?)/?!").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    /**
     * Returns a jar's identity: its file name when the name carries a version ({@code commonmark-0.24.0.jar},
     * as in Maven and Gradle caches and in an executable archive's {@code BOOT-INF/lib}); else the Maven
     * coordinates of its {@code pom.properties}; for a large jar without them (a shaded jar), its name, size and
     * modification time.
     */
    private static String jarIdentity(URL url, String jar) {
        String name = jar.substring(jar.lastIndexOf('/') + 1);
        String archive = jar.indexOf('!') < 0 ? archive(url) : null;
        if (archive == null || VERSIONED.matcher(name).matches()) {
            return name;
        }
        try (JarFile file = new JarFile(archive)) {
            if (file.size() > 2_000) {
                Path path = Paths.get(archive);
                return name + " " + Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis();
            }
            List<String> coordinates = new ArrayList<>();
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements();) {
                JarEntry entry = e.nextElement();
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                    Properties properties = new Properties();
                    try (InputStream in = file.getInputStream(entry)) {
                        properties.load(in);
                    }
                    coordinates.add(properties.getProperty("groupId") + ":" + properties.getProperty("artifactId")
                            + ":" + properties.getProperty("version"));
                }
            }
            Collections.sort(coordinates);
            return coordinates.isEmpty() ? name : String.join(",", coordinates);
        } catch (IOException ex) {
            return name;
        }
    }

    /** A 128-bit hash. */
    private record Hash(long high, long low) implements Comparable<Hash> {

        @Override
        public int compareTo(Hash other) {
            int c = Long.compare(high, other.high);
            return c != 0 ? c : Long.compare(low, other.low);
        }

        String hex() {
            return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
        }
    }

    /**
     * A streaming 128-bit hash of ints, longs and strings, in two lanes of 64 bits, each word mixed into
     * both (multiply, rotate and xor-shift steps, finished with a 64-bit avalanche). Not cryptographic: a
     * fingerprint tells code versions apart, it does not resist an adversary choosing code to collide. Far
     * cheaper than SHA-256 before the JIT compiles it, which is when startup runs it.
     */
    private static final class Hasher {

        private static final long C1 = 0x87c37b91114253d5L;
        private static final long C2 = 0x4cf5ad432745937fL;

        private long h1 = 0x243f6a8885a308d3L;
        private long h2 = 0x13198a2e03707344L;
        private long words;

        Hasher add(long word) {
            long k1 = Long.rotateLeft(word * C1, 31) * C2;
            h1 = Long.rotateLeft(h1 ^ k1, 27) + h2;
            h1 = h1 * 5 + 0x52dce729;
            long k2 = Long.rotateLeft(word * C2, 33) * C1;
            h2 = Long.rotateLeft(h2 ^ k2, 31) + h1;
            h2 = h2 * 5 + 0x38495ab5;
            words++;
            return this;
        }

        Hasher add(int value) {
            return add((long) value);
        }

        /**
         * Adds a string (or null): its length, then its characters four to a word, so that "ab", "c" differs
         * from "a", "bc".
         */
        Hasher add(@Nullable String text) {
            if (text == null) {
                return add(0x6000_0000_0000_0000L);
            }
            int length = text.length();
            add(0x5000_0000_0000_0000L | length);
            int i = 0;
            for (; i + 4 <= length; i += 4) {
                add(((long) text.charAt(i) << 48) | ((long) text.charAt(i + 1) << 32)
                        | ((long) text.charAt(i + 2) << 16) | text.charAt(i + 3));
            }
            if (i < length) {
                long word = 0;
                for (; i < length; i++) {
                    word = (word << 16) | text.charAt(i);
                }
                add(word);
            }
            return this;
        }

        Hasher add(Hash hash) {
            return add(hash.high).add(hash.low);
        }

        Hash finish() {
            long a = h1 ^ words;
            long b = h2 ^ words;
            a += b;
            b += a;
            a = avalanche(a);
            b = avalanche(b);
            a += b;
            b += a;
            return new Hash(a, b);
        }

        private static long avalanche(long x) {
            x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
            x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return x ^ (x >>> 33);
        }
    }

    /** The entry of a class counted by its origin. */
    private static Hash originHash(String origin) {
        return new Hasher().add("origin").add(origin).finish();
    }

    private enum Kind {
        FUNCTION, METHOD, OVERRIDES, SHAPE, INIT, ALL_METHODS,
        /** Stands for every node of the classes of one origin (a library jar, the JDK): its owner is the origin. */
        ORIGIN
    }

    private record Node(Kind kind, String owner, String name, String descriptor) {

        @Override
        public int hashCode() {
            return ((kind.hashCode() * 31 + owner.hashCode()) * 31 + name.hashCode()) * 31 + descriptor.hashCode();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Node node && kind == node.kind && owner.equals(node.owner)
                    && name.equals(node.name) && descriptor.equals(node.descriptor);
        }
    }

    /** What one application class declares; or, with an origin, a class counted by where it comes from. */
    private static final class ClassInfo {

        final String name;
        final @Nullable String origin;
        @Nullable String superName;
        String[] interfaces = new String[0];
        final Map<String, MethodInfo> methods = new HashMap<>();
        /** Hash of the name, access, super types, fields and record components. */
        @Nullable Hash shape;
        /** Classes named in the shape. */
        final Set<String> shapeTypes = new TreeSet<>();

        /** The hash of the origin, if any. */
        final @Nullable Hash originHash;

        ClassInfo(String name, @Nullable String origin) {
            this.name = name;
            this.origin = origin;
            this.originHash = origin == null ? null : originHash(origin);
        }
    }

    private static final class MethodInfo {

        final String name;
        final String descriptor;
        final boolean isStatic;
        boolean queryFunction;
        /** Hash of the access, signature and instructions. */
        @Nullable Hash body;
        final Set<Node> references = new LinkedHashSet<>();

        MethodInfo(String name, String descriptor, boolean isStatic) {
            this.name = name;
            this.descriptor = descriptor;
            this.isStatic = isStatic;
        }
    }

    /** Adds the class names of a descriptor or generic signature ({@code Lname;}, {@code Lname<...>;}). */
    private static void typesOf(@Nullable String descriptorOrSignature, Set<String> into) {
        if (descriptorOrSignature == null) {
            return;
        }
        String text = descriptorOrSignature;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean start = c == 'L' && (i == 0 || "([;<>)+-*^:".indexOf(text.charAt(i - 1)) >= 0);
            if (start) {
                int end = i + 1;
                while (end < length && text.charAt(end) != ';' && text.charAt(end) != '<') {
                    end++;
                }
                if (end > i + 1 && end < length) {
                    into.add(text.substring(i + 1, end));
                }
                i = end;
            }
        }
    }

    /** Returns the class names of a descriptor or signature, from {@code cache} when seen before. */
    private static List<String> typesOf(String descriptorOrSignature, Map<String, List<String>> cache) {
        List<String> types = cache.get(descriptorOrSignature);
        if (types == null) {
            Set<String> found = new TreeSet<>();
            typesOf(descriptorOrSignature, found);
            types = List.copyOf(found);
            cache.put(descriptorOrSignature, types);
        }
        return types;
    }

    private static final class ClassParser extends ClassVisitor {

        private final ClassInfo info;
        private final Map<String, List<String>> descriptorTypes;
        private final Hasher shape = new Hasher();

        ClassParser(ClassInfo info, Map<String, List<String>> descriptorTypes) {
            super(SpringAsmInfo.ASM_VERSION);
            this.info = info;
            this.descriptorTypes = descriptorTypes;
            shape.add("shape").add(info.name);
        }

        @Override
        public void visit(int version, int access, String name, @Nullable String signature,
                @Nullable String superName, String @Nullable [] interfaces) {
            info.superName = superName;
            info.interfaces = interfaces == null ? new String[0] : interfaces;
            shape.add(access).add(superName).add(info.interfaces.length);
            for (String type : info.interfaces) {
                shape.add(type);
            }
            shape.add(signature);
            if (superName != null) {
                info.shapeTypes.add(superName);
            }
            info.shapeTypes.addAll(List.of(info.interfaces));
            typesOf(signature, info.shapeTypes);
        }

        @Override
        public @Nullable RecordComponentVisitor visitRecordComponent(String name, String descriptor,
                @Nullable String signature) {
            shape.add("component").add(name).add(descriptor).add(signature);
            typesOf(descriptor, info.shapeTypes);
            typesOf(signature, info.shapeTypes);
            return null;
        }

        @Override
        public @Nullable FieldVisitor visitField(int access, String name, String descriptor,
                @Nullable String signature, @Nullable Object value) {
            shape.add("field").add(access).add(name).add(descriptor).add(signature)
                    .add(value == null ? "null" : value.getClass().getSimpleName() + ":" + value);
            typesOf(descriptor, info.shapeTypes);
            typesOf(signature, info.shapeTypes);
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, @Nullable String signature,
                String @Nullable [] exceptions) {
            MethodInfo method = new MethodInfo(name, descriptor, (access & Opcodes.ACC_STATIC) != 0);
            info.methods.put(name.concat(descriptor), method);
            for (String type : typesOf(descriptor, descriptorTypes)) {
                method.references.add(new Node(Kind.SHAPE, type, "", ""));
            }
            if (signature != null) {
                for (String type : typesOf(signature, descriptorTypes)) {
                    method.references.add(new Node(Kind.SHAPE, type, "", ""));
                }
            }
            return new BodyParser(info.name, method, access, signature, descriptorTypes);
        }

        @Override
        public void visitEnd() {
            info.shape = shape.finish();
        }
    }

    /** Hashes one method's instructions and collects what they reference. */
    private static final class BodyParser extends MethodVisitor {

        private final String owner;
        private final MethodInfo method;
        private final Map<String, List<String>> descriptorTypes;
        private final Hasher hash = new Hasher();
        private final Map<Label, Integer> labels = new HashMap<>();

        BodyParser(String owner, MethodInfo method, int access, @Nullable String signature,
                Map<String, List<String>> descriptorTypes) {
            super(SpringAsmInfo.ASM_VERSION);
            this.owner = owner;
            this.method = method;
            this.descriptorTypes = descriptorTypes;
            hash.add(access).add(signature);
        }

        private int label(Label label) {
            Integer known = labels.get(label);
            if (known != null) {
                return known;
            }
            int number = labels.size();
            labels.put(label, number);
            return number;
        }

        private void reference(Kind kind, String type, String name, String descriptor) {
            method.references.add(new Node(kind, type, name, descriptor));
        }

        private void type(String internalName) {
            int start = 0;
            while (start < internalName.length() && internalName.charAt(start) == '[') {
                start++;
            }
            if (start == 0) {
                reference(Kind.SHAPE, internalName, "", "");
            } else if (internalName.charAt(start) == 'L' && internalName.endsWith(";")) {
                reference(Kind.SHAPE, internalName.substring(start + 1, internalName.length() - 1), "", "");
            }
        }

        private void typesIn(String descriptor) {
            if (descriptor.indexOf('L') < 0) {
                return; // only primitive types
            }
            for (String type : typesOf(descriptor, descriptorTypes)) {
                type(type);
            }
        }

        @Override
        public @Nullable AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
            if (descriptor.equals(QUERY_FUNCTION)) {
                method.queryFunction = true;
            }
            return null;
        }

        @Override
        public void visitInsn(int opcode) {
            hash.add('i' << 16 | opcode);
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            hash.add('n' << 16 | opcode).add(operand);
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            hash.add('v' << 16 | opcode).add(varIndex);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            hash.add('t' << 16 | opcode).add(type);
            type(type);
            if (opcode == Opcodes.NEW) {
                reference(Kind.ALL_METHODS, type, "", "");
            }
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String name, String descriptor) {
            hash.add('f' << 16 | opcode).add(fieldOwner).add(name).add(descriptor);
            reference(Kind.SHAPE, fieldOwner, "", "");
            if (opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC) {
                reference(Kind.INIT, fieldOwner, "", "");
            }
            typesIn(descriptor);
        }

        @Override
        public void visitMethodInsn(int opcode, String callee, String name, String descriptor, boolean isInterface) {
            hash.add('m' << 16 | opcode).add(callee).add(name).add(descriptor);
            call(opcode == Opcodes.INVOKEVIRTUAL || opcode == Opcodes.INVOKEINTERFACE, callee, name, descriptor);
        }

        private void call(boolean virtual, String callee, String name, String descriptor) {
            if (callee.startsWith("[")) {
                return;
            }
            reference(Kind.METHOD, callee, name, descriptor);
            if (virtual) {
                reference(Kind.OVERRIDES, callee, name, descriptor);
            }
            typesIn(descriptor);
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            hash.add('d' << 16 | arguments.length).add(name).add(descriptor);
            handle(bootstrap);
            for (Object argument : arguments) {
                constant(argument);
            }
            typesIn(descriptor);
        }

        /** Hashes a handle; a handle of this class's own lambda method is named by its descriptor only. */
        private void handle(Handle handle) {
            int tag = handle.getTag();
            call(tag == Opcodes.H_INVOKEVIRTUAL || tag == Opcodes.H_INVOKEINTERFACE, handle.getOwner(),
                    handle.getName(), handle.getDesc());
            String name = handle.getOwner().equals(owner) && handle.getName().startsWith("lambda$")
                    ? "lambda" : handle.getName();
            hash.add('h' << 16 | tag).add(handle.getOwner()).add(name).add(handle.getDesc());
        }

        private void constant(@Nullable Object value) {
            if (value instanceof Handle handle) {
                handle(handle);
            } else if (value instanceof Type type) {
                if (type.getSort() == Type.OBJECT || type.getSort() == Type.ARRAY) {
                    type(type.getInternalName());
                } else if (type.getSort() == Type.METHOD) {
                    typesIn(type.getDescriptor());
                }
                hash.add('T').add(type.getDescriptor());
            } else if (value instanceof ConstantDynamic dynamic) {
                hash.add('C' << 16 | dynamic.getBootstrapMethodArgumentCount()).add(dynamic.getName())
                        .add(dynamic.getDescriptor());
                handle(dynamic.getBootstrapMethod());
                for (int i = 0; i < dynamic.getBootstrapMethodArgumentCount(); i++) {
                    constant(dynamic.getBootstrapMethodArgument(i));
                }
            } else if (value instanceof String text) {
                hash.add('S').add(text);
            } else if (value instanceof Integer number) {
                hash.add('I').add(number.intValue());
            } else if (value instanceof Long number) {
                hash.add('J').add(number.longValue());
            } else if (value instanceof Float number) {
                hash.add('F').add(Float.floatToRawIntBits(number));
            } else if (value instanceof Double number) {
                hash.add('D').add(Double.doubleToRawLongBits(number));
            } else {
                hash.add('?').add(value == null ? "null" : value.getClass().getName() + ":" + value);
            }
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            hash.add('j' << 16 | opcode).add(label(label));
        }

        @Override
        public void visitLabel(Label label) {
            hash.add('l' << 16 | label(label));
        }

        @Override
        public void visitLdcInsn(Object value) {
            hash.add('c');
            constant(value);
        }

        @Override
        public void visitIincInsn(int varIndex, int increment) {
            hash.add('+' << 16 | varIndex).add(increment);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... targets) {
            hash.add('s' << 16 | targets.length).add(min).add(max).add(label(dflt));
            for (Label target : targets) {
                hash.add(label(target));
            }
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] targets) {
            hash.add('k' << 16 | keys.length).add(label(dflt));
            for (int i = 0; i < keys.length; i++) {
                hash.add(keys[i]).add(label(targets[i]));
            }
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            hash.add('a' << 16 | numDimensions).add(descriptor);
            typesIn(descriptor);
        }

        @Override
        public void visitTryCatchBlock(Label start, Label end, Label handler, @Nullable String type) {
            hash.add('x').add(label(start)).add(label(end)).add(label(handler)).add(type);
            if (type != null) {
                type(type);
            }
        }

        @Override
        public void visitEnd() {
            method.body = hash.finish();
        }
    }
}
