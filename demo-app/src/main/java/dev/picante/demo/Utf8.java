package dev.picante.demo;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding: text that is not valid UTF-8 is refused with the offset of its first bad byte. */
final class Utf8 {

    private Utf8() {
    }

    /** Returns the offset of the first byte that is not part of valid UTF-8, or -1 if all of them are. */
    static int firstMalformed(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(Math.max(16, bytes.length));
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            return in.position();
        }
        result = decoder.flush(out);
        return result.isError() ? in.position() : -1;
    }

    /**
     * Decodes {@code bytes} as UTF-8.
     *
     * @throws IllegalArgumentException naming the offset of the first bad byte if they are not valid UTF-8
     */
    static String decode(byte[] bytes) {
        int bad = firstMalformed(bytes);
        if (bad >= 0) {
            throw new IllegalArgumentException("the body is not valid UTF-8: byte offset " + bad + " (0x"
                    + String.format("%02X", bytes[bad] & 0xff) + "); nothing was written");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
