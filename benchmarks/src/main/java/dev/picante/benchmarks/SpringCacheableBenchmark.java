package dev.picante.benchmarks;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Scenario 2 (issue 5): a warm hit of a {@link QueryFunction} method called through its Spring bean (the
 * starter's proxy), against the same method under {@link Cacheable} backed by Caffeine
 * ({@link CaffeineCacheManager}, {@code @EnableCaching}'s proxy), both beans of one small non-web Spring
 * Boot application started in the setup. Both methods compute the same value from the same 1,024 seeds;
 * each benchmark reads the 1,024 keys in turn, all cached. The teardown fails the run unless each method
 * body ran exactly once per key (every measured call was a hit). Goal: picante at most 0.5x
 * {@code @Cacheable}.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar SpringCacheableBenchmark} (after
 * {@code bash benchmarks/run.sh --build-only}, or {@code bash benchmarks/run.sh SpringCacheableBenchmark}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class SpringCacheableBenchmark {

    static final int KEYS = 1024;

    /** A query function: memoized by picante, recomputed when a seed it read changes. */
    public static class PicanteMixer {

        final Input<Integer, Long> seeds;
        final AtomicLong bodyRuns = new AtomicLong();

        public PicanteMixer(Input<Integer, Long> seeds) {
            this.seeds = seeds;
        }

        @QueryFunction
        public Long mixed(Integer key) {
            bodyRuns.incrementAndGet();
            return Work.mix(seeds.require(key), 8);
        }

        public long bodyRuns() {
            return bodyRuns.get();
        }
    }

    /** The same method cached with Spring's cache abstraction over Caffeine. */
    public static class CacheableMixer {

        final ConcurrentHashMap<Integer, Long> seeds = new ConcurrentHashMap<>();
        final AtomicLong bodyRuns = new AtomicLong();

        @Cacheable("mixed")
        public Long mixed(Integer key) {
            bodyRuns.incrementAndGet();
            return Work.mix(seeds.get(key), 8);
        }

        // Through methods: the bean is a proxy whose own fields are not the target's.
        public void seed(Integer key, Long value) {
            seeds.put(key, value);
        }

        public long bodyRuns() {
            return bodyRuns.get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    @ImportAutoConfiguration(PicanteAutoConfiguration.class)
    @Import({PicanteMixer.class, CacheableMixer.class})
    public static class Config {

        @Bean
        Input<Integer, Long> seeds(PicanteViews views) {
            return views.input("seeds", Integer.class, Long.class);
        }

        @Bean
        CacheManager cacheManager() {
            return new CaffeineCacheManager("mixed");
        }
    }

    ConfigurableApplicationContext context;
    PicanteMixer picante;
    CacheableMixer cacheable;
    Integer[] keys;
    int next;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        context = new SpringApplicationBuilder(Config.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                .properties("logging.level.root=warn").run();
        picante = context.getBean(PicanteMixer.class);
        cacheable = context.getBean(CacheableMixer.class);
        Work.check(picante.getClass() != PicanteMixer.class, "the query function bean is not proxied");
        Work.check(cacheable.getClass() != CacheableMixer.class, "the @Cacheable bean is not proxied");
        Input<Integer, Long> seeds = context.getBean(Input.class);
        keys = new Integer[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = i;
            seeds.set(keys[i], (long) i);
            cacheable.seed(keys[i], (long) i);
            Work.check(picante.mixed(keys[i]).equals(cacheable.mixed(keys[i])), "different values");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long p = picante.bodyRuns();
        long c = cacheable.bodyRuns();
        context.close();
        Work.check(p == KEYS, "the query function ran " + p + " times for " + KEYS + " keys: not all hits");
        Work.check(c == KEYS, "the @Cacheable method ran " + c + " times for " + KEYS + " keys: not all hits");
    }

    private Integer nextKey() {
        int i = next;
        next = (i + 1) & (KEYS - 1);
        return keys[i];
    }

    @Benchmark
    public Long picanteQueryFunction() {
        return picante.mixed(nextKey());
    }

    @Benchmark
    public Long springCacheableCaffeine() {
        return cacheable.mixed(nextKey());
    }
}
