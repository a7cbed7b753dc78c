package dev.picante.spring.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A {@link DataSource} whose connections hold one call, once armed, as a JDBC call on a busy disk would: the first
 * call of a connection method named {@code method} made by a thread whose name starts with {@code threadPrefix}
 * waits {@code hold} whatever interrupts come, notes whether one came, then runs. For tests of what stopping does
 * to a background thread in the middle of a database call.
 */
public final class HeldCall {

    private final DataSource dataSource;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();

    /** Wraps {@code target}; {@code method} is matched by prefix ({@code "prepareStatement"} matches every overload). */
    public HeldCall(DataSource target, String method, String threadPrefix, Duration hold) {
        this.dataSource = new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = super.getConnection();
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                            if (m.getName().startsWith(method)
                                    && Thread.currentThread().getName().startsWith(threadPrefix)
                                    && armed.compareAndSet(true, false)) {
                                holding.countDown();
                                interrupted.set(pauseUninterruptibly(hold));
                                finished.set(true);
                            }
                            try {
                                return m.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }

    /** The wrapping data source. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Holds the next matching call. */
    public void arm() {
        armed.set(true);
    }

    /** Waits until a call is being held; whether one was within {@code seconds}. */
    public boolean awaitHolding(long seconds) throws InterruptedException {
        return holding.await(seconds, TimeUnit.SECONDS);
    }

    /** Whether the held call's thread was interrupted while held (or before). */
    public boolean interrupted() {
        return interrupted.get();
    }

    /** Whether the held call's wait is over. */
    public boolean finished() {
        return finished.get();
    }

    /**
     * Waits {@code time} whatever interrupts come, as a blocking write would; returns whether the thread was
     * interrupted (and leaves it interrupted then).
     */
    public static boolean pauseUninterruptibly(Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        boolean interrupted = Thread.interrupted();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return interrupted;
    }
}
