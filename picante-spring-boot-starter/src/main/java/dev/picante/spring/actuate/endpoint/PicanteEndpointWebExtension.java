package dev.picante.spring.actuate.endpoint;

import dev.picante.PicanteException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The web extension of {@link PicanteEndpoint}: an unknown ingredient or cell is 404, a bad parameter
 * (page, size, graph format, evicting an input, a store operation other than save or compact) is 400, a
 * store operation without a store is 404 and a failed one 500 with the store's message.
 */
@EndpointWebExtension(endpoint = PicanteEndpoint.class)
public class PicanteEndpointWebExtension {

    private final PicanteEndpoint delegate;

    /** Creates the extension of {@code delegate}. */
    public PicanteEndpointWebExtension(PicanteEndpoint delegate) {
        this.delegate = delegate;
    }

    /** The summary, or the graph; 400 for an unknown graph format. */
    @ReadOperation
    public WebEndpointResponse<OperationResponseBody> picante(@Nullable String graph, SecurityContext securityContext) {
        return respond(() -> delegate.picante(graph, securityContext));
    }

    /** One page of cells; 404 for an unknown ingredient, 400 for a bad page or size. */
    @ReadOperation
    public WebEndpointResponse<OperationResponseBody> ingredient(@Selector String ingredient, @Nullable Integer page,
            @Nullable Integer size, SecurityContext securityContext) {
        return respond(() -> delegate.ingredient(ingredient, page, size, securityContext));
    }

    /** One cell; 404 for an unknown ingredient or cell. */
    @ReadOperation
    public WebEndpointResponse<OperationResponseBody> cell(@Selector String ingredient, @Selector String key,
            SecurityContext securityContext) {
        return respond(() -> delegate.cell(ingredient, key, securityContext));
    }

    /** Evicts a derived ingredient's memos; 404 for an unknown ingredient, 400 for one that is not derived. */
    @DeleteOperation
    public WebEndpointResponse<OperationResponseBody> evict(@Selector String ingredient) {
        return respond(() -> delegate.evict(ingredient));
    }

    /** Saves or compacts the store; 404 without a store, 400 for another operation, 500 if the save fails. */
    @WriteOperation
    public WebEndpointResponse<OperationResponseBody> store(@Selector String target, @Selector String operation) {
        try {
            return respond(() -> delegate.store(target, operation));
        } catch (PicanteException ex) {
            return new WebEndpointResponse<>(new ErrorDescriptor(ex.getMessage()),
                    WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR);
        }
    }

    private static WebEndpointResponse<OperationResponseBody> respond(Operation operation) {
        try {
            OperationResponseBody body = operation.run();
            return body == null ? new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND)
                    : new WebEndpointResponse<>(body);
        } catch (IllegalArgumentException ex) {
            return new WebEndpointResponse<>(new ErrorDescriptor(ex.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
    }

    @FunctionalInterface
    private interface Operation {
        @Nullable OperationResponseBody run();
    }

    /**
     * Why a request was refused.
     *
     * @param message the reason
     */
    public record ErrorDescriptor(@Nullable String message) implements OperationResponseBody {
    }
}
