package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Version#of}: compact for revisions of 32 unsigned bits, wide beyond (r[changed-at.derived]). */
class VersionTest {

    @Test
    void revisionsOf32UnsignedBitsTakeTheCompactVersionAndReadBackExactly() {
        for (long revision : new long[] {0, 1, 7, Integer.MAX_VALUE, 1L << 31, 0xFFFF_FFFFL}) {
            Version version = Version.of(revision);
            assertThat(version).as("revision %d", revision).isNotInstanceOf(Version.Wide.class);
            assertThat(version.changedAt()).isEqualTo(revision);
        }
    }

    @Test
    void largerOrNegativeRevisionsTakeTheWideVersionAndReadBackExactly() {
        for (long revision : new long[] {1L << 32, 0x1_0000_0001L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            Version version = Version.of(revision);
            assertThat(version).as("revision %d", revision).isInstanceOf(Version.Wide.class);
            assertThat(version.changedAt()).isEqualTo(revision);
        }
    }

    @Test
    void eachCallMakesANewIdentity() {
        assertThat(Version.of(5)).isNotSameAs(Version.of(5));
    }
}
