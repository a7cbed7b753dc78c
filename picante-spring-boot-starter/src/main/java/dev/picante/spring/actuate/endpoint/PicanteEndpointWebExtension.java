package dev.picante.spring.actuate.endpoint;

import dev.picante.PicanteException;
import dev.picante.spring.data.ResyncReport;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * (page, size, graph format, evicting an input, a store operation other than save, compact and compact-file,
 * compact-file on another database than H2 file) is 400, a store operation without a store is 404 and a failed
 * one 500 with the store's message.
 *
 * <p>With repository inputs, {@code POST /actuator/picante/data/resync} reconciles every repository input with
 * its table ({@link dev.picante.spring.data.RepositoryInputs#resync()}) and answers what it read and changed;
 * without them it is 404. It is a web operation only.
 */
@EndpointWebExtension(endpoint = PicanteEndpoint.class)
public class PicanteEndpointWebExtension {

    private final PicanteEndpoint delegate;
    private final Supplier<@Nullable Supplier<ResyncReport>> resync;

    /** Creates the extension of {@code delegate}, without repository inputs. */
    public PicanteEndpointWebExtension(PicanteEndpoint delegate) {
        this(delegate, () -> null);
    }

    /**
     * Creates the extension of {@code delegate} and of the resync of repository inputs.
     *
     * @param delegate the endpoint
     * @param resync gives the resync of the repository inputs, or {@code null} when there are none (asked at
     *     each request)
     */
    public PicanteEndpointWebExtension(PicanteEndpoint delegate,
            Supplier<@Nullable Supplier<ResyncReport>> resync) {
        this.delegate = delegate;
        this.resync = resync;
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

    /**
     * Saves or compacts the store, or compacts its H2 file ({@code compact-file}); 404 without a store, 400 for
     * another operation, 500 if the operation fails. With
     * {@code target} {@code data} and {@code operation} {@code resync}: resyncs the repository inputs; 404
     * without them.
     */
    @WriteOperation
    public WebEndpointResponse<OperationResponseBody> store(@Selector String target, @Selector String operation) {
        if ("data".equals(target)) {
            return respond(() -> resync(operation));
        }
        try {
            return respond(() -> delegate.store(target, operation));
        } catch (PicanteException ex) {
            return new WebEndpointResponse<>(new ErrorDescriptor(ex.getMessage()),
                    WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR);
        }
    }

    private @Nullable ResyncDescriptor resync(String operation) {
        Supplier<ResyncReport> inputs = resync.get();
        if (inputs == null) {
            return null;
        }
        if (!"resync".equals(operation.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("data operation must be resync, was '" + operation + "'");
        }
        long start = System.nanoTime();
        ResyncReport report = inputs.get();
        return new ResyncDescriptor(report.rowsRead(), report.changes(), report.totalChanges(),
                report.revision().value(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
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

    /**
     * What a resync of the repository inputs did.
     *
     * @param rowsRead the rows read from the tables, per input name
     * @param changes the input changes applied, per input name (zero when the inputs matched the tables)
     * @param totalChanges the changes over all inputs
     * @param revision the database's revision afterwards
     * @param durationMillis how long the resync took, in milliseconds
     */
    public record ResyncDescriptor(Map<String, Integer> rowsRead, Map<String, Integer> changes, int totalChanges,
            long revision, long durationMillis) implements OperationResponseBody {
    }
}
