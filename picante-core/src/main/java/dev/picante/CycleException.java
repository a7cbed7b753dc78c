package dev.picante;

import java.util.List;

/**
 * An evaluation needed its own result, directly or through other queries, at one revision
 * (r[cycle.detect]), possibly across threads (r[jvm.cross-thread-cycle]). {@link #path()} lists the
 * queries of the cycle, starting and ending with the same one.
 */
public final class CycleException extends PicanteException {

    private static final long serialVersionUID = 1L;

    private final transient List<QueryRef> path;
    private final Revision revision;

    /** Creates the exception for a cycle along {@code path} at {@code revision}. */
    public CycleException(List<QueryRef> path, Revision revision) {
        super(message(path, revision));
        this.path = List.copyOf(path);
        this.revision = revision;
    }

    private static String message(List<QueryRef> path, Revision revision) {
        StringBuilder sb = new StringBuilder("cycle at revision ").append(revision.value()).append(": ");
        for (int i = 0; i < path.size(); i++) {
            if (i > 0) {
                sb.append(" -> ");
            }
            sb.append(path.get(i));
        }
        return sb.append(". A query must not need its own result; break the cycle or catch this exception"
                + " in one of its queries and treat it as data.").toString();
    }

    /** Returns the queries of the cycle, first and last being the same. */
    public List<QueryRef> path() {
        return path;
    }

    /** Returns the revision the cycle was found at. */
    public Revision revision() {
        return revision;
    }
}
