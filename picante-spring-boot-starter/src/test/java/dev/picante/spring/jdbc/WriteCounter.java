package dev.picante.spring.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DataSource} that passes everything to another one and records each statement that writes
 * ({@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE}) as it is executed, with the bytes of its
 * binary parameters: what a store operation wrote, counted by the database's own API.
 */
final class WriteCounter {

    private final DataSource target;
    private final List<String> writes = new ArrayList<>();
    private long bytes;

    WriteCounter(DataSource target) {
        this.target = target;
    }

    /** Returns the counting data source. */
    DataSource dataSource() {
        return proxy(DataSource.class, target);
    }

    /** Returns the write statements executed so far (one entry per row of a batch). */
    synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    /** Returns the bytes of binary parameters bound to write statements so far. */
    synchronized long bytes() {
        return bytes;
    }

    /** Forgets what was counted. */
    synchronized void reset() {
        writes.clear();
        bytes = 0;
    }

    private static boolean isWrite(String sql) {
        String s = sql.stripLeading().toUpperCase(Locale.ROOT);
        return s.startsWith("INSERT") || s.startsWith("UPDATE") || s.startsWith("DELETE") || s.startsWith("MERGE");
    }

    private synchronized void record(String sql, long boundBytes) {
        writes.add(sql);
        bytes += boundBytes;
    }

    @SuppressWarnings("unchecked")
    private <T> T proxy(Class<T> type, Object delegate) {
        return (T) Proxy.newProxyInstance(WriteCounter.class.getClassLoader(), new Class<?>[] {type},
                new Handler(delegate, null));
    }

    /** Forwards calls; wraps connections and statements, and counts executed writes. */
    private final class Handler implements InvocationHandler {

        private final Object delegate;
        private final @Nullable String sql;
        private long pendingBytes;
        private int batched;

        Handler(Object delegate, @Nullable String sql) {
            this.delegate = delegate;
            this.sql = sql;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (sql != null && name.equals("setBytes") && args[1] instanceof byte[] b) {
                pendingBytes += b.length;
            }
            if (sql != null && isWrite(sql)) {
                if (name.equals("addBatch")) {
                    batched++;
                } else if (name.equals("executeBatch")) {
                    for (int i = 0; i < batched; i++) {
                        record(sql, i == 0 ? pendingBytes : 0);
                    }
                    batched = 0;
                    pendingBytes = 0;
                } else if (name.equals("executeUpdate") || name.equals("execute") || name.equals("executeLargeUpdate")) {
                    record(sql, pendingBytes);
                    pendingBytes = 0;
                }
            }
            if (delegate instanceof Statement && !(delegate instanceof PreparedStatement)
                    && (name.equals("execute") || name.equals("executeUpdate")) && args != null
                    && args[0] instanceof String s && isWrite(s)) {
                record(s, 0);
            }
            Object result;
            try {
                result = method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Connection c) {
                return Proxy.newProxyInstance(WriteCounter.class.getClassLoader(), new Class<?>[] {Connection.class},
                        new Handler(c, null));
            }
            if (result instanceof PreparedStatement ps && args != null && args.length > 0
                    && args[0] instanceof String s) {
                return Proxy.newProxyInstance(WriteCounter.class.getClassLoader(),
                        new Class<?>[] {PreparedStatement.class}, new Handler(ps, s));
            }
            if (result instanceof Statement st && !(result instanceof PreparedStatement)) {
                return Proxy.newProxyInstance(WriteCounter.class.getClassLoader(), new Class<?>[] {Statement.class},
                        new Handler(st, null));
            }
            return result;
        }
    }
}
