package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * The store's warning about an H2 URL without {@code DB_CLOSE_ON_EXIT=FALSE} reads the URL the {@code DataSource}
 * was configured with: H2's metadata URL drops the settings, so a URL that has the setting (as the README and the
 * starter reference advise) was warned about all the same.
 */
@ExtendWith(OutputCaptureExtension.class)
class H2UrlWarningTests {

    private static final String WARNING = "the H2 URL lets H2 close the database when the JVM exits";

    @TempDir
    Path directory;

    @Test
    void aUrlWithDbCloseOnExitFalseIsNotWarnedAbout(CapturedOutput output) {
        String url = "jdbc:h2:file:" + directory.resolve("with").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
        try (HikariDataSource hikari = hikari(url)) {
            JdbcStateStore.builder(new TransactionAwareDataSourceProxy(hikari)).build().migrate();
        }
        assertThat(output).doesNotContain(WARNING);
    }

    @Test
    void aUrlWithoutItIsWarnedAboutNamingTheFix(CapturedOutput output) {
        String url = "jdbc:h2:file:" + directory.resolve("without").toAbsolutePath();
        try (HikariDataSource hikari = hikari(url)) {
            JdbcStateStore.builder(hikari).build().migrate();
        }
        assertThat(output).contains(WARNING, "add ;DB_CLOSE_ON_EXIT=FALSE to the URL");
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

    private static HikariDataSource hikari(String url) {
        HikariDataSource hikari = new HikariDataSource();
        hikari.setJdbcUrl(url);
        hikari.setUsername("sa");
        return hikari;
    }
}
