package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the store tells about an H2 file URL at startup (the URL's settings read from the DataSource, H2's metadata
 * URL having none; before, every H2 file store was warned about DB_CLOSE_ON_EXIT, even with it set): with H2's background compaction off ({@code WRITE_DELAY 0},
 * which the store sets), the close-time compaction's bound ({@code MAX_COMPACT_TIME}, 200 ms by default) decides how
 * much the file's size moves between restarts, so a URL that leaves it at the default gets one INFO line naming the
 * setting; a URL that sets it, or {@code DEFRAG_ALWAYS=TRUE}, gets none.
 */
@ExtendWith(OutputCaptureExtension.class)
class H2FileSettingsTests {

    private static final String ADVICE = "add ;MAX_COMPACT_TIME=10000 to the URL";

    @TempDir
    Path dir;

    @Test
    void aFileUrlWithoutCloseTimeCompactionSettingsGetsTheAdvice(CapturedOutput output) {
        DataSource ds = h2("plain", ";DB_CLOSE_ON_EXIT=FALSE");
        JdbcStateStore.builder(ds).name("plain").build().save(database());
        assertThat(output).contains("picante store 'plain': H2 compacts the file at close for at most 200 ms")
                .contains(ADVICE);
        assertThat(new JdbcTemplate(ds).queryForList("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                + " WHERE SETTING_NAME = 'WRITE_DELAY'", String.class)).as("the runtime setting beside the URL default").contains("0");
        // The URL sets DB_CLOSE_ON_EXIT=FALSE: read from the DataSource (H2's metadata URL has no settings).
        assertThat(output).doesNotContain("add ;DB_CLOSE_ON_EXIT=FALSE");
        new JdbcTemplate(ds).execute("SHUTDOWN");
    }

    @Test
    void aFileUrlThatSetsTheCompactionTimeOrDefragGetsNone(CapturedOutput output) {
        for (String settings : new String[] { ";DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=10000",
                ";DB_CLOSE_ON_EXIT=FALSE;DEFRAG_ALWAYS=TRUE" }) {
            DataSource ds = h2("set" + settings.length(), settings);
            JdbcStateStore.builder(ds).name("set").build().save(database());
            new JdbcTemplate(ds).execute("SHUTDOWN");
        }
        assertThat(output).doesNotContain(ADVICE).doesNotContain("add ;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void aFileUrlWithoutDbCloseOnExitFalseIsWarnedAbout(CapturedOutput output) {
        DataSource ds = h2("closing", ";MAX_COMPACT_TIME=10000");
        JdbcStateStore.builder(ds).name("closing").build().save(database());
        new JdbcTemplate(ds).execute("SHUTDOWN");
        assertThat(output).contains("picante store 'closing': the H2 URL lets H2 close the database when the JVM exits")
                .doesNotContain(ADVICE);
    }

    private static Database database() {
        Database db = Database.create();
        db.input("pages", String.class, String.class).set(db, "p1", "one");
        return db;
    }

    private DataSource h2(String name, String settings) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve(name).toAbsolutePath() + settings);
        ds.setUser("sa");
        return ds;
    }
}
