package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A forwarding view stands for whatever view its delegate is at the time of each operation: the
 * engine reads and writes that view, with its isolation and memoization, and rejects delegates it cannot use.
 */
class ForwardingViewTest {

    private final Database db = Database.builder().name("docs").build();
    private final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
    private final AtomicInteger renders = new AtomicInteger();
    private final DerivedIngredient<String, String> html = db.derived("html", String.class, String.class,
            (ctx, path) -> {
                renders.incrementAndGet();
                return "<p>" + pages.require(ctx, path) + "</p>";
            });
    private final InternedIngredient<String> names = db.interned("names", String.class);

    private final AtomicReference<View> current = new AtomicReference<>(db);
    private final ForwardingView view = current::get;

    // r[snapshot.isolation]
    @Test
    void readsAndWritesGoToTheCurrentDelegate() {
        pages.set(view, "a", "one");
        assertThat(pages.get(db, "a")).contains("one");
        try (Snapshot snapshot = db.snapshot()) {
            current.set(snapshot);
            pages.set(db, "a", "two");
            assertThat(html.get(view, "a")).isEqualTo("<p>one</p>");
            assertThat(view.revision()).isEqualTo(snapshot.revision());
            pages.set(view, "a", "snapshot only");
            assertThat(pages.get(db, "a")).contains("two");
            assertThat(pages.get(snapshot, "a")).contains("snapshot only");
            current.set(db);
            assertThat(html.get(view, "a")).isEqualTo("<p>two</p>");
        }
    }

    @Test
    void memosAreSharedWithTheDelegate() {
        pages.set(db, "a", "one");
        assertThat(html.get(view, "a")).isEqualTo("<p>one</p>");
        assertThat(html.get(db, "a")).isEqualTo("<p>one</p>");
        assertThat(renders).hasValue(1);
        assertThat(html.getAsync(view, "a").join()).isEqualTo("<p>one</p>");
        assertThat(renders).hasValue(1);
    }

    @Test
    void batchesAndSnapshotsGoToTheDelegate() {
        view.batch().set(pages, "a", "one").set(pages, "b", "two").commit();
        assertThat(pages.get(db, "b")).contains("two");
        try (Snapshot fork = view.snapshot()) {
            pages.remove(db, "a");
            assertThat(pages.get(fork, "a")).contains("one");
        }
        assertThat(names.lookup(view, names.intern(view, "x"))).isEqualTo("x");
    }

    @Test
    void forwardingChainsAreFollowed() {
        ForwardingView outer = () -> view;
        pages.set(outer, "a", "one");
        assertThat(html.get(outer, "a")).isEqualTo("<p>one</p>");
    }

    @Test
    void nullDelegateIsRejectedNamingTheView() {
        current.set(null);
        assertThatThrownBy(() -> pages.get(view, "a"))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("returned a null delegate for input 'pages'");
    }

    @Test
    void endlessForwardingIsRejected() {
        ForwardingView[] self = new ForwardingView[1];
        self[0] = () -> self[0];
        assertThatThrownBy(() -> html.get(self[0], "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not resolve to a Database or a Snapshot within 8 hops");
    }

    @Test
    void aClosedSnapshotDelegateIsRejected() {
        Snapshot snapshot = db.snapshot();
        snapshot.close();
        current.set(snapshot);
        assertThatThrownBy(() -> pages.get(view, "a")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDelegateOfAnotherDatabaseIsRejected() {
        current.set(Database.builder().name("other").build());
        assertThatThrownBy(() -> pages.get(view, "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database 'docs'")
                .hasMessageContaining("database 'other'");
    }

    @Test
    void aQueryContextDelegateIsRejectedBecauseItsReadsWouldNotBeTracked() {
        pages.set(db, "a", "one");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        DerivedIngredient<String, String> leaky = db.derived("leaky", String.class, String.class, (ctx, key) -> {
            current.set(ctx);
            try {
                return pages.require(view, key);
            } catch (RuntimeException e) {
                thrown.set(e);
                return "refused";
            }
        });
        assertThat(leaky.get(db, "a")).isEqualTo("refused");
        assertThat(thrown.get()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not resolve to a Database or a Snapshot");
    }
}
