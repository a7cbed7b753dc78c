package dev.picante.spring;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * Computes the code version of a {@link QueryFunction} method from bytecode: a digest of the method's own
 * instructions and of everything in the application it can reach, so that a redeploy whose code changed what
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
 * <p>Each class is read once per instance and each function's fingerprint is computed once. Thread-safe.
 */
public final class CodeFingerprints {

    /** Cloned for each digest: faster than a provider lookup. */
    private static final MessageDigest SHA256;

    static {
        try {
            SHA256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static final String QUERY_FUNCTION = Type.getDescriptor(QueryFunction.class);
    private static final String JDK = "java-" + Runtime.version().feature();
    private static final Pattern VERSIONED = Pattern.compile(".*-\\d+(\\.\\d+)*.*\\.jar");

    private final ClassLoader loader;
    private final Map<String, ClassInfo> classes = new ConcurrentHashMap<>();
    private final Map<String, String> jars = new ConcurrentHashMap<>();
    private final Map<Method, String> fingerprints = new ConcurrentHashMap<>();
    /** The hash of each node walked, for the application roots indexed so far. */
    private final Map<Node, String> hashes = new HashMap<>();
    private final Map<Node, Expansion> expansions = new HashMap<>();
    private final Object indexLock = new Object();
    /** The application roots whose classes are in {@link #subtypes}. */
    private final Set<String> indexedRoots = new HashSet<>();
    /** Application roots seen while reading classes. */
    private final Set<String> roots = ConcurrentHashMap.newKeySet();
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
            String fingerprint;
            while (true) {
                int before = roots.size();
                fingerprint = hash(start);
                if (roots.size() == before) {
                    break;
                }
                // application roots found while walking may hold more overrides: walk again with them indexed
                hashes.clear();
                expansions.clear();
            }
            fingerprints.put(method, fingerprint);
            return fingerprint;
        }
    }

    /**
     * Returns the hash of everything reachable from {@code start}: each strongly connected component of the
     * graph of reached nodes hashes its members' own entries and the hashes of the components it reaches
     * (computed once and shared by every function that reaches them), found with an iterative Tarjan walk.
     */
    private String hash(Node start) {
        String done = hashes.get(start);
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
                Set<String> entries = new TreeSet<>();
                Set<String> reached = new TreeSet<>();
                Set<Node> component = new HashSet<>(members);
                for (Node m : members) {
                    Expansion expansion = java.util.Objects.requireNonNull(expansions.get(m));
                    entries.addAll(expansion.entries);
                    for (Node child : expansion.children) {
                        if (!component.contains(child)) {
                            reached.add(hashes.get(child));
                        }
                    }
                }
                entries.add("->");
                entries.addAll(reached);
                String hash = digest(entries);
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
            Set<String> entries = new TreeSet<>();
            Deque<Node> children = new ArrayDeque<>();
            visit(node, entries, children);
            expansion = new Expansion(entries, new ArrayList<>(new LinkedHashSet<>(children)));
            expansions.put(node, expansion);
        }
        return expansion;
    }

    /** A node's own entries and the nodes it reaches directly. */
    private record Expansion(Set<String> entries, List<Node> children) {
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

    private void visit(Node node, Set<String> entries, Deque<Node> queue) {
        ClassInfo info = info(node.owner);
        if (info == null) {
            entries.add("missing " + node.owner);
            return;
        }
        if (info.origin != null) {
            entries.add(info.origin);
            return;
        }
        switch (node.kind) {
            case FUNCTION -> method(info, node.name, node.descriptor, true, entries, queue);
            case METHOD -> method(info, node.name, node.descriptor, false, entries, queue);
            case OVERRIDES -> {
                for (String subtype : subtypes(info.name)) {
                    ClassInfo sub = info(subtype);
                    MethodInfo override = sub == null ? null : sub.methods.get(node.name + node.descriptor);
                    if (override != null && !override.isStatic) {
                        queue.add(new Node(Kind.METHOD, subtype, node.name, node.descriptor));
                    }
                }
            }
            case SHAPE -> {
                entries.add("shape " + info.name + " " + info.shape);
                for (String type : info.shapeTypes) {
                    queue.add(new Node(Kind.SHAPE, type, "", ""));
                }
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
    }

    private void method(ClassInfo info, String name, String descriptor, boolean root, Set<String> entries,
            Deque<Node> queue) {
        MethodInfo method = info.methods.get(name + descriptor);
        if (method == null) {
            // inherited: resolve in the super types, as the JVM would
            if (info.superName != null) {
                queue.add(new Node(Kind.METHOD, info.superName, name, descriptor));
            }
            for (String type : info.interfaces) {
                queue.add(new Node(Kind.METHOD, type, name, descriptor));
            }
            return;
        }
        if (method.queryFunction && !root) {
            // a call of another query function goes through the runtime, which tracks it as a dependency:
            // its changes reach this function by value (early cutoff), not by code
            entries.add("query " + info.name + "." + name + descriptor);
            return;
        }
        entries.add("method " + info.name + "." + name + descriptor + " " + method.body);
        queue.addAll(method.references);
        MethodInfo clinit = info.methods.get("<clinit>()V");
        if (clinit != null && method != clinit) {
            queue.add(new Node(Kind.METHOD, info.name, "<clinit>", "()V"));
        }
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
                            addSubtype(Files.readAllBytes(file));
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
                                addSubtype(in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException ex) {
            // an unreadable root: the overrides it holds are not seen, and this is stable across runs
        }
    }

    private void addSubtype(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        String name = reader.getClassName();
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
        URL url = loader.getResource(name + ".class");
        if (url == null) {
            return null;
        }
        String origin = origin(url, name);
        if (origin != null) {
            return new ClassInfo(name, origin);
        }
        try (InputStream in = url.openStream()) {
            ClassInfo info = new ClassInfo(name, null);
            new ClassReader(in).accept(new ClassParser(info), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            return info;
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read the bytecode of " + name.replace('/', '.'), ex);
        }
    }

    /** Returns null for an application class (and notes its root), else what identifies its code. */
    private @Nullable String origin(URL url, String name) {
        String protocol = url.getProtocol();
        String text = url.toString();
        if (protocol.equals("jrt")) {
            return JDK;
        }
        if (protocol.equals("file")) {
            String path = urlPath(url);
            roots.add("dir:" + path.substring(0, path.length() - (name + ".class").length()));
            return null;
        }
        for (String classes : List.of("BOOT-INF/classes/", "WEB-INF/classes/")) {
            if (text.contains(classes)) {
                String archive = archive(url);
                if (archive != null) {
                    roots.add("jar:" + archive + "!" + classes);
                }
                return null;
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

    private static String digest(Set<String> entries) {
        MessageDigest digest = sha256();
        for (String entry : entries) {
            digest.update(entry.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException ex) {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private enum Kind {
        FUNCTION, METHOD, OVERRIDES, SHAPE, INIT, ALL_METHODS
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
        /** Access, super types, fields and record components, as text. */
        String shape = "";
        /** Classes named in the shape. */
        final Set<String> shapeTypes = new TreeSet<>();

        ClassInfo(String name, @Nullable String origin) {
            this.name = name;
            this.origin = origin;
        }
    }

    private static final class MethodInfo {

        final String name;
        final String descriptor;
        final boolean isStatic;
        boolean queryFunction;
        String body = "";
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

    private static final class ClassParser extends ClassVisitor {

        private final ClassInfo info;
        private final StringBuilder shape = new StringBuilder();

        ClassParser(ClassInfo info) {
            super(SpringAsmInfo.ASM_VERSION);
            this.info = info;
        }

        @Override
        public void visit(int version, int access, String name, @Nullable String signature,
                @Nullable String superName, String @Nullable [] interfaces) {
            info.superName = superName;
            info.interfaces = interfaces == null ? new String[0] : interfaces;
            shape.append(access).append(' ').append(superName).append(' ')
                    .append(String.join(",", info.interfaces)).append(' ').append(signature).append(';');
            if (superName != null) {
                info.shapeTypes.add(superName);
            }
            info.shapeTypes.addAll(List.of(info.interfaces));
            typesOf(signature, info.shapeTypes);
        }

        @Override
        public @Nullable RecordComponentVisitor visitRecordComponent(String name, String descriptor,
                @Nullable String signature) {
            shape.append("component ").append(name).append(' ').append(descriptor).append(' ').append(signature)
                    .append(';');
            typesOf(descriptor, info.shapeTypes);
            typesOf(signature, info.shapeTypes);
            return null;
        }

        @Override
        public @Nullable FieldVisitor visitField(int access, String name, String descriptor,
                @Nullable String signature, @Nullable Object value) {
            shape.append("field ").append(access).append(' ').append(name).append(' ').append(descriptor).append(' ')
                    .append(signature).append(' ').append(value).append(';');
            typesOf(descriptor, info.shapeTypes);
            typesOf(signature, info.shapeTypes);
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, @Nullable String signature,
                String @Nullable [] exceptions) {
            MethodInfo method = new MethodInfo(name, descriptor, (access & Opcodes.ACC_STATIC) != 0);
            info.methods.put(name + descriptor, method);
            Set<String> types = new TreeSet<>();
            typesOf(descriptor, types);
            typesOf(signature, types);
            for (String type : types) {
                method.references.add(new Node(Kind.SHAPE, type, "", ""));
            }
            return new BodyParser(info.name, method, access, signature);
        }

        @Override
        public void visitEnd() {
            info.shape = shape.toString();
        }
    }

    /** Digests one method's instructions and collects what they reference. */
    private static final class BodyParser extends MethodVisitor {

        private final String owner;
        private final MethodInfo method;
        private final MessageDigest digest = sha256();
        private final Map<Label, Integer> labels = new HashMap<>();

        BodyParser(String owner, MethodInfo method, int access, @Nullable String signature) {
            super(SpringAsmInfo.ASM_VERSION);
            this.owner = owner;
            this.method = method;
            put(access + " " + signature);
        }

        private void put(String text) {
            digest.update(text.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }

        private int label(Label label) {
            return labels.computeIfAbsent(label, l -> labels.size());
        }

        private void reference(Kind kind, String type, String name, String descriptor) {
            method.references.add(new Node(kind, type, name, descriptor));
        }

        private void type(String internalName) {
            Type type = Type.getObjectType(internalName);
            while (type.getSort() == Type.ARRAY) {
                type = type.getElementType();
            }
            if (type.getSort() == Type.OBJECT) {
                reference(Kind.SHAPE, type.getInternalName(), "", "");
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
            put("i" + opcode);
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            put("n" + opcode + " " + operand);
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            put("v" + opcode + " " + varIndex);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            put("t" + opcode + " " + type);
            type(type);
            if (opcode == Opcodes.NEW) {
                reference(Kind.ALL_METHODS, type, "", "");
            }
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String name, String descriptor) {
            put("f" + opcode + " " + fieldOwner + " " + name + " " + descriptor);
            reference(Kind.SHAPE, fieldOwner, "", "");
            if (opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC) {
                reference(Kind.INIT, fieldOwner, "", "");
            }
            Set<String> types = new TreeSet<>();
            typesOf(descriptor, types);
            types.forEach(this::type);
        }

        @Override
        public void visitMethodInsn(int opcode, String callee, String name, String descriptor, boolean isInterface) {
            put("m" + opcode + " " + callee + " " + name + " " + descriptor);
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
            Set<String> types = new TreeSet<>();
            typesOf(descriptor, types);
            types.forEach(this::type);
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            StringBuilder sb = new StringBuilder("d ").append(name).append(' ').append(descriptor).append(' ')
                    .append(handle(bootstrap));
            for (Object argument : arguments) {
                sb.append(' ').append(constant(argument));
            }
            put(sb.toString());
            Set<String> types = new TreeSet<>();
            typesOf(descriptor, types);
            types.forEach(this::type);
        }

        /** Text of a handle; a handle of this class's own lambda method is named by its descriptor only. */
        private String handle(Handle handle) {
            int tag = handle.getTag();
            call(tag == Opcodes.H_INVOKEVIRTUAL || tag == Opcodes.H_INVOKEINTERFACE, handle.getOwner(),
                    handle.getName(), handle.getDesc());
            String name = handle.getOwner().equals(owner) && handle.getName().startsWith("lambda$")
                    ? "lambda" : handle.getName();
            return "h" + tag + " " + handle.getOwner() + " " + name + " " + handle.getDesc();
        }

        private String constant(@Nullable Object value) {
            if (value instanceof Handle handle) {
                return handle(handle);
            }
            if (value instanceof Type type) {
                if (type.getSort() == Type.OBJECT || type.getSort() == Type.ARRAY) {
                    type(type.getInternalName());
                } else if (type.getSort() == Type.METHOD) {
                    Set<String> types = new TreeSet<>();
                    typesOf(type.getDescriptor(), types);
                    types.forEach(this::type);
                }
                return "T" + type.getDescriptor();
            }
            if (value instanceof ConstantDynamic dynamic) {
                StringBuilder sb = new StringBuilder("C").append(dynamic.getName()).append(' ')
                        .append(dynamic.getDescriptor()).append(' ').append(handle(dynamic.getBootstrapMethod()));
                for (int i = 0; i < dynamic.getBootstrapMethodArgumentCount(); i++) {
                    sb.append(' ').append(constant(dynamic.getBootstrapMethodArgument(i)));
                }
                return sb.toString();
            }
            return value == null ? "null" : value.getClass().getSimpleName() + ":" + value;
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            put("j" + opcode + " " + label(label));
        }

        @Override
        public void visitLabel(Label label) {
            put("l" + label(label));
        }

        @Override
        public void visitLdcInsn(Object value) {
            put("c" + constant(value));
        }

        @Override
        public void visitIincInsn(int varIndex, int increment) {
            put("+" + varIndex + " " + increment);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... targets) {
            StringBuilder sb = new StringBuilder("s").append(min).append(' ').append(max).append(' ')
                    .append(label(dflt));
            for (Label target : targets) {
                sb.append(' ').append(label(target));
            }
            put(sb.toString());
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] targets) {
            StringBuilder sb = new StringBuilder("k").append(label(dflt));
            for (int i = 0; i < keys.length; i++) {
                sb.append(' ').append(keys[i]).append(':').append(label(targets[i]));
            }
            put(sb.toString());
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            put("a" + descriptor + " " + numDimensions);
            Set<String> types = new TreeSet<>();
            typesOf(descriptor, types);
            types.forEach(this::type);
        }

        @Override
        public void visitTryCatchBlock(Label start, Label end, Label handler, @Nullable String type) {
            put("x" + label(start) + " " + label(end) + " " + label(handler) + " " + type);
            if (type != null) {
                type(type);
            }
        }

        @Override
        public void visitEnd() {
            method.body = HexFormat.of().formatHex(digest.digest(), 0, 12);
        }
    }
}
