package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.picante.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * What the store tells about an H2 file URL at startup, for each way an application hands it the database (H2's
 * own {@code DataSource}, a Hikari pool, a pool behind Spring's transaction-aware proxy). The URL's settings are
 * read from the URL the {@code DataSource} was configured with: H2's metadata URL drops them, so before, every H2
 * file store was warned about {@code DB_CLOSE_ON_EXIT}, even with it set as the README and the starter reference
 * advise. With H2's background compaction off ({@code WRITE_DELAY 0}, which the store sets), the close-time
 * compaction's bound ({@code MAX_COMPACT_TIME}, 200 ms by default) decides how much the file's size moves between
 * restarts, so a URL that leaves it at the default gets one INFO line naming the setting; a URL that sets it, or
 * {@code DEFRAG_ALWAYS=TRUE}, gets none.
 */
@ExtendWith(OutputCaptureExtension.class)
class H2FileSettingsTests {

    private static final String WARNING = "the H2 URL lets H2 close the database when the JVM exits";

    private static final String FIX = "add ;DB_CLOSE_ON_EXIT=FALSE to the URL";

    private static final String ADVICE = "add ;MAX_COMPACT_TIME=10000 to the URL";

    /** The ways an application hands the store an H2 file database. */
    enum Source {
        H2_DATA_SOURCE, HIKARI, HIKARI_BEHIND_TRANSACTION_PROXY
    }

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeDatabases() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void aFileUrlWithoutCloseTimeCompactionSettingsGetsTheAdvice(Source source, CapturedOutput output) {
        DataSource ds = h2(source, "plain", ";DB_CLOSE_ON_EXIT=FALSE");
        JdbcStateStore.builder(ds).name("plain").build().save(database());
        assertThat(output).contains("picante store 'plain': H2 compacts the file at close for at most 200 ms")
                .contains(ADVICE);
        assertThat(new JdbcTemplate(ds).queryForList("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                + " WHERE SETTING_NAME = 'WRITE_DELAY'", String.class)).as("the runtime setting beside the URL default").contains("0");
        // The URL sets DB_CLOSE_ON_EXIT=FALSE: read from the DataSource (H2's metadata URL has no settings).
        assertThat(output).doesNotContain(WARNING).doesNotContain(FIX);
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void aFileUrlThatSetsTheCompactionTimeOrDefragGetsNone(Source source, CapturedOutput output) {
        for (String settings : new String[] { ";DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=10000",
                ";DB_CLOSE_ON_EXIT=FALSE;DEFRAG_ALWAYS=TRUE" }) {
            DataSource ds = h2(source, "set" + settings.length(), settings);
            JdbcStateStore.builder(ds).name("set").build().save(database());
        }
        assertThat(output).doesNotContain(ADVICE).doesNotContain(WARNING).doesNotContain(FIX);
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void aFileUrlWithoutDbCloseOnExitFalseIsWarnedAboutNamingTheFix(Source source, CapturedOutput output) {
        DataSource ds = h2(source, "closing", ";MAX_COMPACT_TIME=10000");
        JdbcStateStore.builder(ds).name("closing").build().save(database());
        assertThat(output).contains("picante store 'closing': " + WARNING).contains(FIX).doesNotContain(ADVICE);
    }

    @Test
    void theConfiguredUrlIsReadFromTheCommonDataSourcesAndThroughSpringsWrappers() {
        String url = "jdbc:h2:mem:urls;DB_CLOSE_ON_EXIT=FALSE";
        try (HikariDataSource hikari = hikari(url)) {
            assertThat(JdbcStateStore.configuredUrl(hikari)).isEqualTo(url);
            assertThat(JdbcStateStore.configuredUrl(new TransactionAwareDataSourceProxy(hikari))).isEqualTo(url);
        }
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        assertThat(JdbcStateStore.configuredUrl(h2)).isEqualTo(url);
        assertThat(JdbcStateStore.configuredUrl(new SimpleDriverDataSource(new org.h2.Driver(), url))).isEqualTo(url);
        DataSource unknown = new TransactionAwareDataSourceProxy();
        assertThat(JdbcStateStore.configuredUrl(unknown)).isNull();
    }

    private static Database database() {
        Database db = Database.create();
        db.input("pages", String.class, String.class).set(db, "p1", "one");
        return db;
    }

    /** An H2 file database in the test's directory, handed over as {@code source}; closed after the test. */
    private DataSource h2(Source source, String name, String settings) {
        String url = "jdbc:h2:file:" + dir.resolve(name).toAbsolutePath() + settings;
        if (source == Source.H2_DATA_SOURCE) {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL(url);
            ds.setUser("sa");
            toClose.add(() -> new JdbcTemplate(ds).execute("SHUTDOWN"));
            return ds;
        }
        HikariDataSource hikari = hikari(url);
        toClose.add(hikari);
        return source == Source.HIKARI ? hikari : new TransactionAwareDataSourceProxy(hikari);
    }

    private static HikariDataSource hikari(String url) {
        HikariDataSource hikari = new HikariDataSource();
        hikari.setJdbcUrl(url);
        hikari.setUsername("sa");
        return hikari;
    }
}
