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

    enum Color {
        RED, GREEN
    }

    record Priced(java.math.BigDecimal amount, java.time.Instant at, List<Color> colors) {
    }

    @Test
    void valuesOfDeclaredGenericTypesReadBackEqualAndOfTheirTypes() throws Exception {
        java.lang.reflect.Type colors = Holder.class.getDeclaredField("colors").getGenericType();
        java.lang.reflect.Type nested = Holder.class.getDeclaredField("nested").getGenericType();
        java.lang.reflect.Type optional = Holder.class.getDeclaredField("optional").getGenericType();
        java.lang.reflect.Type longs = Holder.class.getDeclaredField("longs").getGenericType();
        List<Object[]> cases = List.of(
                new Object[] {List.of(Color.RED, Color.GREEN), colors},
                new Object[] {Map.of("a", List.of(java.util.Set.of(Color.GREEN))), nested},
                new Object[] {java.util.Optional.of(java.util.UUID.randomUUID()), optional},
                new Object[] {java.util.Optional.empty(), optional},
                new Object[] {List.of(1L, 2L), longs},
                new Object[] {new java.math.BigDecimal("12.50"), java.math.BigDecimal.class},
                new Object[] {java.time.Instant.parse("2026-12-05T10:15:30.123456789Z"), java.time.Instant.class},
                new Object[] {java.time.LocalDate.of(2026, 12, 5), java.time.LocalDate.class},
                new Object[] {java.time.Duration.ofMinutes(90), java.time.Duration.class},
                new Object[] {new Priced(new java.math.BigDecimal("0.10"), java.time.Instant.ofEpochSecond(5, 7),
                        List.of(Color.RED)), Priced.class});
        for (Object[] c : cases) {
            java.lang.reflect.Type type = (java.lang.reflect.Type) c[1];
            codec.checkDeclared(type);
            byte[] bytes = codec.encode(c[0], type);
            assertThat(codec.decode(bytes, type)).as(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(c[0]);
        }
        dev.picante.spring.QueryArguments.Parameters parameters = dev.picante.spring.QueryArguments.Parameters.of(
                Priced.class, colors, java.math.BigDecimal.class, optional);
        dev.picante.spring.QueryArguments arguments = new dev.picante.spring.QueryArguments(parameters,
                new Priced(new java.math.BigDecimal("12.50"), java.time.Instant.ofEpochSecond(5, 7), List.of()),
                List.of(Color.GREEN), new java.math.BigDecimal("1.000"), java.util.Optional.empty());
        codec.checkDeclared(parameters);
        Object decoded = codec.decode(codec.encode(arguments, parameters), parameters);
        assertThat(decoded).isInstanceOf(dev.picante.spring.QueryArguments.class).isEqualTo(arguments);
        assertThat(((List<?>) ((List<?>) decoded).get(1)).get(0)).isSameAs(Color.GREEN);
        Object back = codec.decode(codec.encode(List.of(Color.RED), colors), colors);
        assertThat(((List<?>) back).get(0)).isSameAs(Color.RED);
    }

    @SuppressWarnings({"unused", "rawtypes"})
    static final class Holder {
        List<Color> colors;
        Map<String, List<java.util.Set<Color>>> nested;
        java.util.Optional<java.util.UUID> optional;
        List<Long> longs;
        List raw;
        List<?> wildcard;
        Object object;
    }

    @Test
    void checkDeclaredRefusesDeclarationsThatDoNotSayWhatToRead() throws Exception {
        for (String field : List.of("raw", "wildcard", "object")) {
            java.lang.reflect.Type type = Holder.class.getDeclaredField(field).getGenericType();
            assertThatThrownBy(() -> codec.checkDeclared(type)).as(field)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(type.getTypeName());
        }
    }

    @Test
    void checkRejectsInterfacesThatCannotBeReadBack() {
        assertThatThrownBy(() -> codec.check(Runnable.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Runnable");
        codec.check(List.class);
        codec.check(Key.class);
    }
}
