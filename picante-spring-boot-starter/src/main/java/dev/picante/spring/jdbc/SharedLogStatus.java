package dev.picante.spring.jdbc;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The state of a {@link SharedChangeLog} as this instance sees it. Positions number the log's entries from 1,
 * without gaps; the lag of an instance is how many entries it has not applied yet.
 *
 * @param instanceId this instance's id
 * @param started whether this instance is applying the log
 * @param appliedPosition the last entry this instance applied
 * @param headPosition the last entry in the log
 * @param lag {@code headPosition - appliedPosition}
 * @param savePosition the last entry the full save is known to include, or -1 if unknown
 * @param compactedTo the entries up to this one were deleted by compaction, or -1 if unknown
 * @param instances the registered instances, with what each applied as of its last heartbeat (this instance:
 *     now)
 * @param failure the last failure of the log, or {@code null}
 */
public record SharedLogStatus(String instanceId, boolean started, long appliedPosition, long headPosition,
        long lag, long savePosition, long compactedTo, List<Instance> instances, @Nullable String failure) {

    /**
     * A registered instance.
     *
     * @param id its id
     * @param self whether it is this instance
     * @param appliedPosition the last entry it applied
     * @param lag how many entries it has not applied
     * @param heartbeatAt when it last reported, or {@code null} if it has not yet
     */
    public record Instance(String id, boolean self, long appliedPosition, long lag, @Nullable Instant heartbeatAt) {
    }
}
