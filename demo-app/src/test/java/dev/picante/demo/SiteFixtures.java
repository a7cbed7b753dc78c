package dev.picante.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The checked-in sample sites under {@code src/test/resources/sites}, copied to a folder a test may change. */
final class SiteFixtures {

    private SiteFixtures() {
    }

    /** Copies the fixture site {@code name} into {@code target} and returns {@code target}. */
    static Path copy(String name, Path target) throws IOException {
        Path source = Path.of("src/test/resources/sites", name);
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                Path copy = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
        return target;
    }
}
