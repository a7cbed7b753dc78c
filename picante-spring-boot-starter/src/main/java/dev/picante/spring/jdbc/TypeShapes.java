package dev.picante.spring.jdbc;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Fingerprints of the shapes of key and value types, stored with each section so that a class that gained,
 * lost, renamed or retyped a field is recognised at load rather than decoded into a wrong object.
 *
 * <p>The shape of an application type (one not in a {@code java.*}, {@code javax.*} or {@code jdk.*}
 * package) is its name with: for a record, its components' names and generic types; for an enum, nothing
 * more (its constants are checked when stored values are decoded); for any other class, its non-static, non-transient fields' names and generic types, up its
 * superclasses; recursively for the application types these mention (cycles are cut). A JDK type's shape is
 * its name. The fingerprint is a SHA-256 of that description, in hex (32 characters). Thread-safe.
 */
final class TypeShapes {

    private static final ClassValue<String> DESCRIPTIONS = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            StringBuilder out = new StringBuilder();
            TypeShapes.describe(type, out, new HashSet<>());
            return out.toString();
        }
    };

    private TypeShapes() {
    }

    /** Returns the fingerprint of the shapes of {@code keyType} and {@code valueType}. */
    static String fingerprint(Class<?> keyType, Class<?> valueType) {
        return hash(DESCRIPTIONS.get(keyType) + " -> " + DESCRIPTIONS.get(valueType));
    }

    /** Returns the description a fingerprint is made from (for tests and messages). */
    static String describe(Class<?> type) {
        return DESCRIPTIONS.get(type);
    }

    private static void describe(Type type, StringBuilder out, Set<Class<?>> seen) {
        if (type instanceof Class<?> c) {
            describeClass(c, out, seen);
        } else if (type instanceof ParameterizedType p) {
            describe(p.getRawType(), out, seen);
            out.append('<');
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < args.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                describe(args[i], out, seen);
            }
            out.append('>');
        } else if (type instanceof GenericArrayType a) {
            describe(a.getGenericComponentType(), out, seen);
            out.append("[]");
        } else if (type instanceof WildcardType w) {
            out.append('?');
            for (Type upper : w.getUpperBounds()) {
                out.append(" extends ");
                describe(upper, out, seen);
            }
            for (Type lower : w.getLowerBounds()) {
                out.append(" super ");
                describe(lower, out, seen);
            }
        } else if (type instanceof TypeVariable<?> v) {
            out.append(v.getName());
        } else {
            out.append(type.getTypeName());
        }
    }

    private static void describeClass(Class<?> c, StringBuilder out, Set<Class<?>> seen) {
        if (c.isArray()) {
            describe(c.getComponentType(), out, seen);
            out.append("[]");
            return;
        }
        out.append(c.getName());
        if (c.isPrimitive() || isJdk(c) || !seen.add(c)) {
            return;
        }
        if (c.isEnum()) {
            // By name only: a constant added is compatible with what was stored, and a stored constant that
            // is gone fails to decode, naming the record (an input) or drops it (a derived result).
            out.append("{enum}");
            return;
        }
        out.append('{');
        if (c.isRecord()) {
            for (RecordComponent component : c.getRecordComponents()) {
                out.append(component.getName()).append(':');
                describe(component.getGenericType(), out, seen);
                out.append(';');
            }
        } else {
            for (Class<?> k = c; k != null && k != Object.class && !isJdk(k); k = k.getSuperclass()) {
                Field[] fields = k.getDeclaredFields();
                Arrays.sort(fields, Comparator.comparing(Field::getName));
                for (Field f : fields) {
                    int m = f.getModifiers();
                    if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()) {
                        continue;
                    }
                    out.append(f.getName()).append(':');
                    describe(f.getGenericType(), out, seen);
                    out.append(';');
                }
            }
        }
        out.append('}');
    }

    private static boolean isJdk(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("com.sun.");
    }

    private static String hash(String description) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
