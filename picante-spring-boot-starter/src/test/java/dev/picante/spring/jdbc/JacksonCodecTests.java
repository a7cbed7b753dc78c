package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.InternId;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The canonical JSON codec: deterministic keys, round trips, and clear failures. */
class JacksonCodecTests {

    record Key(String zeta, int alpha, List<String> middle) {
    }

    private final JacksonCodec codec = new JacksonCodec(JsonMapper.builder().build());

    @Test
    void equalKeysGiveEqualBytesWhateverTheMapOrder() {
        Map<String, Integer> one = new LinkedHashMap<>();
        one.put("b", 2);
        one.put("a", 1);
        Map<String, Integer> two = new LinkedHashMap<>();
        two.put("a", 1);
        two.put("b", 2);
        assertThat(codec.encode(one, Map.class)).isEqualTo(codec.encode(two, Map.class));
        assertThat(new String(codec.encode(one, Map.class), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1,\"b\":2}");
    }

    @Test
    void recordPropertiesAreSorted() {
        byte[] bytes = codec.encode(new Key("z", 1, List.of("m")), Key.class);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"alpha\":1,\"middle\":[\"m\"],\"zeta\":\"z\"}");
        assertThat(codec.decode(bytes, Key.class)).isEqualTo(new Key("z", 1, List.of("m")));
    }

    @Test
    void roundTripsPlainValuesAndInternIds() {
        assertThat(codec.decode(codec.encode("text", String.class), String.class)).isEqualTo("text");
        assertThat(codec.decode(codec.encode(42L, Long.class), Long.class)).isEqualTo(42L);
        assertThat(codec.decode(codec.encode(new InternId(7), InternId.class), InternId.class))
                .isEqualTo(new InternId(7));
    }

    @Test
    void bytesThatAreNotAValueAreAnIllegalArgumentNamingTheType() {
        // r[store.corrupt]
        assertThatThrownBy(() -> codec.decode("{broken".getBytes(StandardCharsets.UTF_8), Key.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Key.class.getName());
        assertThatThrownBy(() -> codec.decode("\"a\" trailing".getBytes(StandardCharsets.UTF_8), String.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode("null".getBytes(StandardCharsets.UTF_8), String.class))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static final class NoProperties {
    }

    @Test
    void aValueWithoutPropertiesCannotBeEncoded() {
        assertThatThrownBy(() -> codec.encode(new NoProperties(), NoProperties.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(NoProperties.class.getName());
    }

    @Test
    void checkRejectsInterfacesThatCannotBeReadBack() {
        assertThatThrownBy(() -> codec.check(Runnable.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Runnable");
        codec.check(List.class);
        codec.check(Key.class);
    }
}
