package dev.picante.spring.actuate.endpoint;

import java.util.Map;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders the keys and values the {@link PicanteEndpoint} shows as JSON trees through the application's
 * {@link JsonMapper}, so that a record reads as an object rather than as its {@code toString()}. Falls back
 * to {@code String.valueOf} when there is no mapper, it cannot write the object, or writes it as an empty
 * object (a type without properties). Loaded only when
 * Jackson is on the class path. Thread-safe.
 */
public final class JsonKeyValueRenderer implements Function<Object, Object> {

    private final ObjectProvider<JsonMapper> mapper;

    /** Creates a renderer through the {@code JsonMapper} bean, if any. */
    public JsonKeyValueRenderer(ObjectProvider<JsonMapper> mapper) {
        this.mapper = mapper;
    }

    @Override
    public Object apply(Object value) {
        JsonMapper jsonMapper = mapper.getIfAvailable();
        if (jsonMapper == null) {
            return String.valueOf(value);
        }
        try {
            JsonNode tree = jsonMapper.valueToTree(value);
            if (tree == null || (tree.isObject() && tree.isEmpty() && !(value instanceof Map<?, ?>))) {
                return String.valueOf(value); // an object without properties says more as text
            }
            return tree;
        } catch (JacksonException | IllegalArgumentException ex) {
            return String.valueOf(value);
        }
    }
}
