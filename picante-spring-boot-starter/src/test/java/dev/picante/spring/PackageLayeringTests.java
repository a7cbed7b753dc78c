package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.asm.ClassReader;

/**
 * The starter's packages are layered as Spring Boot lays out its own: the runtime and the store know nothing of
 * auto-configuration, and no two packages depend on each other, directly or through others. Dependencies are
 * read from the constant pools of the compiled main classes, so a fully qualified reference, a descriptor or an
 * annotation's class name counts as much as an import.
 */
class PackageLayeringTests {

    private static final String ROOT = "dev.picante.spring";

    /** A class name inside the starter, with '/' or '.' separators; group 1 is its package. */
    private static final Pattern REFERENCE = Pattern
            .compile("dev[/.]picante[/.]spring((?:[/.][a-z][a-z0-9_]*)*)[/.][A-Z]");

    @Test
    void storeAndActuatorClassesDoNotReferToAutoConfiguration() {
        Map<String, Set<String>> graph = packageGraph();
        assertThat(graph).containsKeys(ROOT + ".jdbc", ROOT + ".data", ROOT + ".actuate.endpoint",
                ROOT + ".actuate.health", ROOT + ".autoconfigure.jdbc", ROOT + ".autoconfigure.data");
        graph.forEach((from, targets) -> {
            if (!from.startsWith(ROOT + ".autoconfigure")) {
                assertThat(targets).as("packages %s depends on", from)
                        .noneMatch(to -> to.startsWith(ROOT + ".autoconfigure"));
            }
        });
    }

    @Test
    void runtimePackageDependsOnNoOtherPackageOfTheStarter() {
        assertThat(packageGraph().get(ROOT)).isEmpty();
    }

    @Test
    void packagesFormNoCycle() {
        Map<String, Set<String>> graph = packageGraph();
        assertThat(cycles(graph)).as("package cycles in %s", graph).isEmpty();
    }

    @Test
    void cycleCheckFindsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("a"));
        assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c", "a"));
    }

    /** Each package of the starter's main classes and the other starter packages its classes refer to. */
    static Map<String, Set<String>> packageGraph() {
        Path classes = classesDirectory();
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes.resolve(ROOT.replace('.', '/')))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                String from = name.substring(0, name.lastIndexOf('/')).replace('/', '.');
                Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
                for (String text : utf8Constants(Files.readAllBytes(file))) {
                    Matcher m = REFERENCE.matcher(text);
                    while (m.find()) {
                        String to = ROOT + m.group(1).replace('/', '.');
                        if (!to.equals(from)) {
                            targets.add(to);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    private static Path classesDirectory() {
        try {
            return Path.of(PicanteViews.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class file's CONSTANT_Utf8 entries: class names, descriptors, signatures and string texts. */
    private static List<String> utf8Constants(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        List<String> texts = new ArrayList<>();
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            if (offset == 0 || reader.readByte(offset - 1) != 1) {
                continue; // the unused slot after a long or double, or not a CONSTANT_Utf8
            }
            int length = reader.readUnsignedShort(offset);
            byte[] text = new byte[length];
            for (int k = 0; k < length; k++) {
                text[k] = (byte) reader.readByte(offset + 2 + k);
            }
            texts.add(new String(text, StandardCharsets.ISO_8859_1));
        }
        return texts;
    }

    /** One cycle (first node repeated at the end) through each package that lies on one, found depth first. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        List<List<String>> found = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            visit(start, graph, path, done, found);
        }
        return found;
    }

    private static void visit(String node, Map<String, Set<String>> graph, Deque<String> path, Set<String> done,
            List<List<String>> found) {
        if (path.contains(node)) {
            List<String> cycle = new ArrayList<>(path);
            java.util.Collections.reverse(cycle);
            cycle = new ArrayList<>(cycle.subList(cycle.indexOf(node), cycle.size()));
            cycle.add(node);
            found.add(cycle);
            return;
        }
        if (!done.add(node)) {
            return;
        }
        path.push(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            visit(next, graph, path, done, found);
        }
        path.pop();
    }
}
