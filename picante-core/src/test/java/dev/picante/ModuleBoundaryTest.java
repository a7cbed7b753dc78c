package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.picante.internal.ViewAccess;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What picante-core lets other code reach: its module exports and the engine's one static hook. */
class ModuleBoundaryTest {

    @Test
    void moduleExportsOnlyTheApiAndThePersistenceSpi() throws URISyntaxException {
        Path classes = Path.of(Database.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module = ModuleFinder.of(classes).find("dev.picante").orElseThrow().descriptor();
        assertThat(module.exports()).allSatisfy(export -> assertThat(export.isQualified()).isFalse());
        assertThat(module.exports().stream().map(Exports::source).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("dev.picante", "dev.picante.persist");
        assertThat(module.packages()).contains("dev.picante.internal");
        assertThat(module.opens()).isEmpty();
        assertThat(module.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("java.base", "org.jspecify");
    }

    @Test
    void viewResolutionCannotBeReplacedByOtherCode() {
        Database database = Database.create();
        assertThatIllegalStateException()
                .isThrownBy(() -> ViewAccess.install(view -> null, state -> {
                    throw new AssertionError("not called");
                }))
                .withMessage("ViewAccess is installed by dev.picante.Database only, not by "
                        + ModuleBoundaryTest.class.getName() + ": it is internal to picante-core");
        // Views still resolve as before.
        InputIngredient<String, String> pages = database.input("pages", String.class, String.class);
        pages.set(database, "a", "x");
        try (Snapshot snapshot = database.snapshot()) {
            assertThat(pages.get(snapshot, "a")).contains("x");
        }
    }
}
