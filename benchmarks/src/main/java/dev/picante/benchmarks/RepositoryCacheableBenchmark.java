package dev.picante.benchmarks;

import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.data.PicanteDataJdbcAutoConfiguration;
import dev.picante.spring.data.RepositoryInput;
import dev.picante.spring.data.RepositoryInputs;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.h2.jdbcx.JdbcDataSource;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.jdbc.autoconfigure.DataJdbcRepositoriesAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.data.jdbc.repository.config.EnableJdbcRepositories;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Repository data (issue 18): a {@link QueryFunction} over a Spring Data JDBC repository declared
 * {@code @PicanteInput}, against the same method under {@link Cacheable} (Caffeine) with {@link CacheEvict} on
 * the save method, the way Spring applications cache repository reads by hand. One non-web Spring Boot
 * application on an in-memory H2 database: {@value #CATEGORIES} categories of {@value #PER_CATEGORY} items; the
 * method sums the prices of one category.
 * <ul>
 * <li>{@code hit}: a warm call, every category cached;</li>
 * <li>{@code save}: one item's price saved through the repository (its own transaction), which for picante
 * includes applying the committed change to the input, and for the peer the eviction;</li>
 * <li>{@code concurrent}: one writer saving increasing prices and two readers, for {@value #SECONDS_NOTE}; a
 * reader's answer is <em>stale</em> when it is lower than the total published by the writer after a save that
 * returned before the read began (prices only grow). The {@code stale} and {@code reads} counters are
 * reported per benchmark; picante's must be 0. The peer's stale answers come from the classic race: a reader
 * that missed the cache reads the old rows, the writer commits and evicts, then the reader puts the old total
 * back, where it stays until the next eviction.</li>
 * </ul>
 *
 * <p>Run alone: {@code bash benchmarks/run.sh RepositoryCacheableBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RepositoryCacheableBenchmark {

    static final int CATEGORIES = 16;
    static final int PER_CATEGORY = 64;
    static final String SECONDS_NOTE = "each measurement iteration";

    /** The query function over the repository input. */
    public static class PicanteTotals {

        private final RepositoryInput<Long, Item> items;

        public PicanteTotals(RepositoryInputs inputs) {
            this.items = inputs.of(ItemRepository.class);
        }

        @QueryFunction
        public Long total(String category) {
            long sum = 0;
            for (Item item : items.all("category", category)) {
                sum += item.price();
            }
            return sum;
        }
    }

    /** The same method cached by hand, evicted on save. */
    public static class CacheableTotals {

        private final ItemRepository repository;

        public CacheableTotals(ItemRepository repository) {
            this.repository = repository;
        }

        @Cacheable("totals")
        public Long total(String category) {
            long sum = 0;
            for (Item item : repository.findByCategory(category)) {
                sum += item.price();
            }
            return sum;
        }

        @CacheEvict(value = "totals", key = "#item.category()")
        public Item save(Item item) {
            return repository.save(item);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    @ImportAutoConfiguration({ DataSourceTransactionManagerAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, DataJdbcRepositoriesAutoConfiguration.class,
            PicanteAutoConfiguration.class, PicanteDataJdbcAutoConfiguration.class })
    @EnableJdbcRepositories(basePackageClasses = ItemRepository.class, includeFilters = @ComponentScan.Filter(
            type = FilterType.ASSIGNABLE_TYPE, classes = ItemRepository.class))
    @Import({ PicanteTotals.class, CacheableTotals.class })
    public static class Config {

        @Bean
        CacheManager cacheManager() {
            return new CaffeineCacheManager("totals");
        }
    }

    /** One application per trial, shared by the threads of a group. */
    @State(Scope.Benchmark)
    public static class App {

        ConfigurableApplicationContext context;
        ItemRepository repository;
        PicanteTotals picante;
        CacheableTotals cacheable;
        List<Item> items;
        String[] categories;
        /** Per category, the total after the last save that returned. */
        AtomicLongArray published;

        @Setup(Level.Trial)
        public void setUp() {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:items-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
            ds.setUser("sa");
            new JdbcTemplate(ds).execute("CREATE TABLE ITEM (ID BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                    + " CATEGORY VARCHAR(20) NOT NULL, PRICE BIGINT NOT NULL)");
            context = new SpringApplicationBuilder(Config.class).web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                    .initializers(c -> c.getBeanFactory().registerSingleton("dataSource", ds))
                    .properties("logging.level.root=warn", "picante.store.enabled=false").run();
            repository = context.getBean(ItemRepository.class);
            picante = context.getBean(PicanteTotals.class);
            cacheable = context.getBean(CacheableTotals.class);
            categories = new String[CATEGORIES];
            published = new AtomicLongArray(CATEGORIES);
            List<Item> all = new java.util.ArrayList<>();
            for (int c = 0; c < CATEGORIES; c++) {
                categories[c] = "c" + c;
                for (int i = 0; i < PER_CATEGORY; i++) {
                    all.add(new Item(null, categories[c], 1));
                }
            }
            items = new java.util.ArrayList<>(repository.saveAll(all));
            for (int c = 0; c < CATEGORIES; c++) {
                published.set(c, PER_CATEGORY);
                Work.check(picante.total(categories[c]) == PER_CATEGORY, "picante total");
                Work.check(cacheable.total(categories[c]) == PER_CATEGORY, "cacheable total");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            context.close();
        }
    }

    /** Per-thread position. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        long price = 1;

        int nextIndex(int size) {
            int i = next;
            next = (i + 1) % size;
            return i;
        }
    }

    /** Stale answers and reads, reported as secondary results. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Staleness {
        public long stale;
        public long reads;
    }

    // ------------------------------------------------------------------ hit

    @Benchmark
    public Long hitPicanteQueryFunction(App app, Cursor cursor) {
        return app.picante.total(app.categories[cursor.nextIndex(CATEGORIES)]);
    }

    @Benchmark
    public Long hitSpringCacheable(App app, Cursor cursor) {
        return app.cacheable.total(app.categories[cursor.nextIndex(CATEGORIES)]);
    }

    // ------------------------------------------------------------------ save

    @Benchmark
    public Item savePicanteRepositoryInput(App app, Cursor cursor) {
        Item item = app.items.get(cursor.nextIndex(app.items.size()));
        return app.repository.save(new Item(item.id(), item.category(), ++cursor.price));
    }

    @Benchmark
    public Item saveSpringCacheEvict(App app, Cursor cursor) {
        Item item = app.items.get(cursor.nextIndex(app.items.size()));
        return app.cacheable.save(new Item(item.id(), item.category(), ++cursor.price));
    }

    // ------------------------------------------------------------------ concurrent saves and reads

    /** Saves the next item of category 0 with a price one higher, then publishes the new total. */
    private static void write(App app, Cursor cursor, boolean picante) {
        int i = cursor.nextIndex(PER_CATEGORY);
        Item item = app.items.get(i); // the first PER_CATEGORY items are category c0
        long price = item.price() + 1;
        Item saved = new Item(item.id(), item.category(), price);
        if (picante) {
            app.repository.save(saved);
        } else {
            app.cacheable.save(saved);
        }
        app.items.set(i, saved);
        app.published.addAndGet(0, 1);
    }

    private static void read(App app, Staleness staleness, boolean picante) {
        long floor = app.published.get(0);
        long total = picante ? app.picante.total("c0") : app.cacheable.total("c0");
        staleness.reads++;
        if (total < floor) {
            staleness.stale++;
        }
    }

    @Benchmark
    @Group("concurrentPicante")
    @GroupThreads(1)
    public void concurrentPicanteWriter(App app, Cursor cursor) {
        write(app, cursor, true);
    }

    @Benchmark
    @Group("concurrentPicante")
    @GroupThreads(2)
    public void concurrentPicanteReader(App app, Staleness staleness) {
        read(app, staleness, true);
    }

    @Benchmark
    @Group("concurrentCacheable")
    @GroupThreads(1)
    public void concurrentCacheableWriter(App app, Cursor cursor) {
        write(app, cursor, false);
    }

    @Benchmark
    @Group("concurrentCacheable")
    @GroupThreads(2)
    public void concurrentCacheableReader(App app, Staleness staleness) {
        read(app, staleness, false);
    }
}
