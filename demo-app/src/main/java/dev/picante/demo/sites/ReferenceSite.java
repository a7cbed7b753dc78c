package dev.picante.demo.sites;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates a documentation site shaped like a real command reference: 7,500 small pages (about 550 bytes each,
 * 4 MB in all) in nine folders of very different sizes (the largest holds 3,000 pages), file names such as
 * {@code mkfs.ext4}, {@code g++}, {@code [} and names with spaces, and links written as an mdBook writes them
 * ({@code other.md}, {@code ../folder/other.html#anchor}, {@code folder/}), about one in a hundred to a missing
 * page. The same seed gives the same site. Used by the demo's memory test and the benchmarks; run it to try the
 * demo on a large site: {@code java -cp demo-app/target/classes dev.picante.demo.sites.ReferenceSite target/reference}.
 */
public final class ReferenceSite {

    /** The folders and how many pages each holds (7,500 in all). */
    public static final Map<String, Integer> FOLDERS = folders();

    private static final String[] WORDS = ("file directory list show print create remove copy move archive extract "
            + "compress network interface address port process signal user group permission mode owner system "
            + "disk partition mount device kernel module package install update search query output input format "
            + "text line column field pattern match replace sort count size time date host server client request "
            + "response header body stream buffer cache memory swap log service daemon config option flag value")
            .split(" ");
    private static final String[] ODD = {"mkfs.ext4", "g++", "[", "7z", "c++filt", "python3.12", "x86_64-linux-gnu-gcc",
        "git commit", "pkg-config", "ls.old", "[[", "clang++", "resize2fs", "fsck.vfat", "npm.cmd"};

    private ReferenceSite() {
    }

    private static Map<String, Integer> folders() {
        Map<String, Integer> folders = new LinkedHashMap<>();
        folders.put("common", 3000);
        folders.put("linux", 2400);
        folders.put("osx", 600);
        folders.put("windows", 500);
        folders.put("freebsd", 300);
        folders.put("openbsd", 200);
        folders.put("netbsd", 200);
        folders.put("android", 150);
        folders.put("sunos", 150);
        return Collections.unmodifiableMap(folders);
    }

    /** Returns the page paths (without {@code .md}), in generation order. */
    public static List<String> paths() {
        List<String> paths = new ArrayList<>(7500);
        for (Map.Entry<String, Integer> folder : FOLDERS.entrySet()) {
            for (int i = 0; i < folder.getValue(); i++) {
                paths.add(folder.getKey() + "/" + name(folder.getKey(), i));
            }
        }
        return paths;
    }

    private static String name(String folder, int i) {
        // One page in 50 has an odd name; the others are two words, unique within the folder.
        if (i % 50 == 7) {
            return ODD[(i / 50) % ODD.length] + (i / 50 >= ODD.length ? "-" + i : "");
        }
        return WORDS[i % WORDS.length] + "-" + WORDS[(i / WORDS.length) % WORDS.length] + (folder.equals("common") ? "" : "-" + folder.charAt(0));
    }

    /** Returns the Markdown text of every page, by path (in generation order), from {@code seed}. */
    public static Map<String, String> texts(long seed) {
        List<String> paths = paths();
        Random random = new Random(seed);
        Map<String, String> texts = new LinkedHashMap<>();
        for (String path : paths) {
            texts.put(path, page(path, paths, random));
        }
        return texts;
    }

    private static String page(String path, List<String> paths, Random random) {
        String name = path.substring(path.indexOf('/') + 1);
        StringBuilder text = new StringBuilder(640);
        text.append("# ").append(name).append("\n\n> ");
        words(text, random, 10 + random.nextInt(8));
        text.append(".\n> More information: <https://example.org/").append(path.replace(' ', '-')).append(">.\n\n");
        int examples = 3 + random.nextInt(4);
        for (int e = 0; e < examples; e++) {
            text.append("- ");
            words(text, random, 4 + random.nextInt(6));
            text.append(":\n\n`").append(name).append(" --");
            text.append(WORDS[random.nextInt(WORDS.length)]).append(" {{path/to/")
                    .append(WORDS[random.nextInt(WORDS.length)]).append("}}`\n\n");
        }
        text.append("See also: ");
        int links = 2 + random.nextInt(2);
        for (int l = 0; l < links; l++) {
            if (l > 0) {
                text.append(", ");
            }
            String target = paths.get(random.nextInt(paths.size()));
            String label = target.substring(target.indexOf('/') + 1);
            text.append('[').append(label.replace("[", "\\[")).append("](<").append(link(path, target, random))
                    .append(">)");
        }
        if (random.nextInt(100) == 0) {
            text.append(", [a page nobody wrote](missing-").append(random.nextInt(1000)).append(".md)");
        }
        return text.append(".\n").toString();
    }

    /** A link from {@code from} to {@code target} as an mdBook book writes it: relative, {@code .md} or {@code .html}. */
    private static String link(String from, String target, Random random) {
        String fromFolder = from.substring(0, from.indexOf('/'));
        String targetFolder = target.substring(0, target.indexOf('/'));
        String name = target.substring(target.indexOf('/') + 1);
        String relative = fromFolder.equals(targetFolder) ? name : "../" + targetFolder + "/" + name;
        return switch (random.nextInt(4)) {
            case 0 -> relative + ".html";
            case 1 -> relative + ".html#examples";
            default -> relative + ".md";
        };
    }

    private static void words(StringBuilder text, Random random, int count) {
        for (int w = 0; w < count; w++) {
            if (w > 0) {
                text.append(' ');
            }
            text.append(WORDS[random.nextInt(WORDS.length)]);
        }
    }

    /**
     * Writes the site (from {@code seed}) into {@code folder}: one {@code .md} file per page, and an {@code
     * index.md} linking to every folder's first page; returns the total size of the Markdown in bytes.
     */
    public static long write(Path folder, long seed) throws IOException {
        long bytes = 0;
        for (Map.Entry<String, String> page : texts(seed).entrySet()) {
            Path file = folder.resolve(page.getKey() + ".md");
            Files.createDirectories(file.getParent());
            byte[] text = page.getValue().getBytes(StandardCharsets.UTF_8);
            Files.write(file, text);
            bytes += text.length;
        }
        StringBuilder index = new StringBuilder("# Command reference\n\n");
        for (String name : FOLDERS.keySet()) {
            index.append("- [").append(name).append("](").append(name).append('/').append(name(name, 0)).append(".md)\n");
        }
        byte[] text = index.toString().getBytes(StandardCharsets.UTF_8);
        Files.write(folder.resolve("index.md"), text);
        return bytes + text.length;
    }

    /** Writes the site with seed 42 into the folder given as the first argument. */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args.length > 0 ? args[0] : "target/reference-site");
        long bytes = write(folder, 42);
        System.out.println("Wrote " + paths().size() + " pages (" + bytes + " bytes of Markdown) to " + folder);
    }
}
