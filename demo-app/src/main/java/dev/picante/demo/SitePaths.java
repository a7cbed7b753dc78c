package dev.picante.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The site's paths: which page paths are valid, how a page or file path becomes a URL and back. A page's path is
 * its file's path relative to the docs folder, {@code /}-separated, without {@code .md}: any name the file system
 * allows ({@code mkfs.ext4}, {@code g++}, {@code [}, spaces, any script), as long as no segment is empty,
 * {@code .} or {@code ..} and no character is a control character or a backslash. URLs carry it percent-encoded
 * per segment. Pure functions, thread-safe.
 */
public final class SitePaths {

    /** Where pages and files are served. */
    public static final String PREFIX = "/docs/";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private SitePaths() {
    }

    /** Returns whether {@code path} is a valid page (or file) path. */
    public static boolean isPagePath(String path) {
        return problem(path) == null;
    }

    /**
     * Returns what is wrong with {@code path} as a page path, or {@code null} if nothing is: the reason a request
     * naming it is refused.
     */
    public static @org.jspecify.annotations.Nullable String problem(String path) {
        if (path.isEmpty()) {
            return "the path is empty";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "the path has the control character U+" + String.format("%04X", (int) c) + " at index " + i;
            }
            if (c == '\\') {
                return "the path has a backslash at index " + i + " (separate folders with '/')";
            }
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "the path has an unpaired surrogate at index " + i;
            }
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return "the path has an empty segment (a leading, trailing or double '/')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "the path has a '" + segment + "' segment";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > 250) {
                return "the segment '" + segment.substring(0, 20) + "...' is longer than 250 bytes";
            }
        }
        return null;
    }

    /** Returns the URL of page or file {@code path}: {@code /docs/} and the path, each segment percent-encoded. */
    public static String url(String path) {
        StringBuilder url = new StringBuilder(PREFIX.length() + path.length() + 8).append(PREFIX);
        appendEncoded(url, path);
        return url.toString();
    }

    /**
     * Appends {@code path} percent-encoded: ASCII letters, digits, {@code -._~} and {@code /} stay, every other
     * character is encoded as its UTF-8 bytes. The result is safe in an HTML attribute and a JavaScript string.
     */
    public static void appendEncoded(StringBuilder out, String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || c == '/') {
                out.append(c);
            } else {
                int end = i + (Character.isHighSurrogate(c) && i + 1 < path.length() ? 2 : 1);
                for (byte b : path.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
                i = end - 1;
            }
        }
    }

    /** Returns {@code path} with every percent-encoded UTF-8 sequence decoded; a malformed one stays as it is. */
    public static String decode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < text.length() && (hi = Character.digit(text.charAt(i + 1), 16)) >= 0
                    && (lo = Character.digit(text.charAt(i + 2), 16)) >= 0) {
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
                    raw = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.write(raw, 0, raw.length);
            }
        }
        byte[] decoded = bytes.toByteArray();
        return Utf8.firstMalformed(decoded) < 0 ? new String(decoded, StandardCharsets.UTF_8) : text;
    }

    /** Returns the folder of {@code path}: the part before its last {@code /}, or {@code ""} at the top level. */
    public static String folder(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** Returns the last segment of {@code path}. */
    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
