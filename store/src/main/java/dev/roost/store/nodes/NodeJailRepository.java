package dev.roost.store.nodes;

import static java.util.Objects.requireNonNull;

import dev.roost.core.node.NodeScheduling;
import dev.roost.core.node.NodeState;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Sandboxed instances placed on nodes: the jails each node should run (with the workload's spec,
 * never a secret value), what the node last reported about them, their uploaded output, the
 * calls a node answers for the server (probes, volume removal), and what each node can run.
 * JSON documents are passed as text; the server's node runtime defines their shape.
 */
public final class NodeJailRepository {
    private static final String JAIL_COLUMNS = """
            j.container_id, j.node_id, n.name AS node_name, n.state AS node_state, n.scheduling AS node_scheduling,
            n.removed_at AS node_removed_at, j.instance_id, j.replica, j.spec_hash, j.spec::text AS spec, j.desired,
            j.generation, j.applied_generation, j.observed_state, j.observed::text AS observed, j.failure::text AS failure,
            j.logs_through, j.created_at""";
    private static final String FROM = " FROM node_jails j JOIN nodes n ON n.id = j.node_id ";

    /** One jail on one node, with its node's state. */
    public record Jail(String containerId, UUID nodeId, String nodeName, NodeState nodeState, NodeScheduling nodeScheduling,
                       boolean nodeRemoved, UUID instanceId, int replica, String specHash, String specJson, String desired,
                       long generation, long appliedGeneration, String observedState, String observedJson, String failureJson,
                       Instant logsThrough, Instant createdAt) {
    }

    /** A node that can run jails now, with how many it holds. */
    public record Host(UUID nodeId, String nodeName, long jails) {
    }

    /** One uploaded output line. */
    public record LogRow(long seq, Instant at, String stream, String line) {
    }

    /** A call a node answers. */
    public record Call(UUID id, UUID nodeId, String kind, String bodyJson, String answerJson) {
    }

    private final Handle handle;

    public NodeJailRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    // ---- hosts

    /** Records whether a node can run jails and which images it has. */
    public void reportHost(UUID nodeId, boolean usable, String detail, String imagesJson, Instant at) {
        handle.createUpdate("""
                        INSERT INTO node_jail_hosts (node_id, usable, detail, images, reported_at)
                        VALUES (:node, :usable, :detail, CAST(:images AS jsonb), :at)
                        ON CONFLICT (node_id) DO UPDATE SET usable = :usable, detail = :detail, images = CAST(:images AS jsonb),
                                                            reported_at = :at""")
                .bind("node", nodeId).bind("usable", usable).bind("detail", detail).bind("images", imagesJson)
                .bind("at", Rows.timestamp(at)).execute();
    }

    /**
     * Nodes that may take a new jail: READY, schedulable, not removed, with usable jails and
     * (when {@code image} is given) that image; fewest jails first.
     */
    public List<Host> hosts(Optional<String> image) {
        return handle.createQuery("""
                        SELECT n.id, n.name,
                               (SELECT count(*) FROM node_jails j WHERE j.node_id = n.id AND j.desired <> 'REMOVED') AS jails
                        FROM nodes n JOIN node_jail_hosts h ON h.node_id = n.id
                        WHERE n.removed_at IS NULL AND n.state = 'READY' AND n.scheduling = 'SCHEDULABLE' AND h.usable
                          AND (CAST(:image AS text) IS NULL OR h.images @> jsonb_build_array(CAST(:image AS text)))
                        ORDER BY jails, n.name""")
                .bind("image", image.orElse(null))
                .map((rs, ctx) -> new Host(rs.getObject("id", UUID.class), rs.getString("name"), rs.getLong("jails"))).list();
    }

    /** Whether any node that is not LOST or removed has usable jails. */
    public boolean anyUsableHost() {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM nodes n JOIN node_jail_hosts h ON h.node_id = n.id
                                       WHERE n.removed_at IS NULL AND n.state <> 'LOST' AND h.usable)""")
                .mapTo(Boolean.class).one();
    }

    // ---- jails

    public Optional<Jail> find(String containerId) {
        return handle.createQuery("SELECT " + JAIL_COLUMNS + FROM + "WHERE j.container_id = :id")
                .bind("id", containerId).map((rs, ctx) -> jail(rs)).findOne();
    }

    /** Every jail, on every node (removed nodes included: the caller decides what to show). */
    public List<Jail> all() {
        return handle.createQuery("SELECT " + JAIL_COLUMNS + FROM + "ORDER BY j.created_at, j.container_id")
                .map((rs, ctx) -> jail(rs)).list();
    }

    public List<Jail> ofInstance(UUID instanceId) {
        return handle.createQuery("SELECT " + JAIL_COLUMNS + FROM + "WHERE j.instance_id = :i ORDER BY j.replica, j.created_at")
                .bind("i", instanceId).map((rs, ctx) -> jail(rs)).list();
    }

    /** What a node should run: its rows, removed ones included until the node confirms them gone. */
    public List<Jail> ofNode(UUID nodeId) {
        return handle.createQuery("SELECT " + JAIL_COLUMNS + FROM + "WHERE j.node_id = :n ORDER BY j.container_id")
                .bind("n", nodeId).map((rs, ctx) -> jail(rs)).list();
    }

    public void insert(String containerId, UUID nodeId, UUID instanceId, int replica, String specHash, String specJson, Instant at) {
        handle.createUpdate("""
                        INSERT INTO node_jails (container_id, node_id, instance_id, replica, spec_hash, spec, desired, generation,
                                                created_at)
                        VALUES (:id, :node, :instance, :replica, :hash, CAST(:spec AS jsonb), 'RUNNING', 1, :at)""")
                .bind("id", containerId).bind("node", nodeId).bind("instance", instanceId).bind("replica", replica)
                .bind("hash", specHash).bind("spec", specJson).bind("at", Rows.timestamp(at)).execute();
    }

    /** Asks the node for {@code desired} again (a new generation, so it acts even if nothing else changed); returns the generation. */
    public long desire(String containerId, String desired) {
        return handle.createQuery("""
                        UPDATE node_jails SET desired = :d, generation = generation + 1, failure = NULL
                        WHERE container_id = :id RETURNING generation""")
                .bind("d", desired).bind("id", containerId).mapTo(Long.class).one();
    }

    /** Forgets what the node last reported (the jail is to be made anew). */
    public void forgetObserved(String containerId) {
        handle.createUpdate("UPDATE node_jails SET observed_state = NULL, observed = NULL WHERE container_id = :id")
                .bind("id", containerId).execute();
    }

    /** Records what the node reports about one of its jails; ignored for rows of other nodes. */
    public void report(UUID nodeId, String containerId, long appliedGeneration, String observedState, String observedJson,
                       String failureJson, Instant at) {
        handle.createUpdate("""
                        UPDATE node_jails SET applied_generation = GREATEST(applied_generation, :applied),
                               observed_state = :state, observed = CAST(:observed AS jsonb),
                               failure = COALESCE(CAST(:failure AS jsonb), failure), reported_at = :at
                        WHERE container_id = :id AND node_id = :node""")
                .bind("applied", appliedGeneration).bind("state", observedState).bind("observed", observedJson)
                .bind("failure", failureJson).bind("at", Rows.timestamp(at)).bind("id", containerId).bind("node", nodeId)
                .execute();
    }

    public void delete(String containerId) {
        handle.createUpdate("DELETE FROM node_jail_logs WHERE container_id = :id").bind("id", containerId).execute();
        handle.createUpdate("DELETE FROM node_jails WHERE container_id = :id").bind("id", containerId).execute();
    }

    /** Deletes removed rows of a node that the node confirmed gone; returns how many. */
    public int deleteConfirmedRemovals(UUID nodeId) {
        List<String> gone = handle.createQuery("""
                        SELECT container_id FROM node_jails
                        WHERE node_id = :n AND desired = 'REMOVED' AND applied_generation >= generation""")
                .bind("n", nodeId).mapTo(String.class).list();
        gone.forEach(this::delete);
        return gone.size();
    }

    /** Marks for removal every other jail of this replica that sits on a LOST, draining or removed node (it was replaced). */
    public int retireReplaced(UUID instanceId, int replica, String keep) {
        return handle.createUpdate("""
                        UPDATE node_jails j SET desired = 'REMOVED', generation = generation + 1
                        FROM nodes n
                        WHERE n.id = j.node_id AND j.instance_id = :i AND j.replica = :r AND j.container_id <> :keep
                          AND j.desired <> 'REMOVED'
                          AND (n.state = 'LOST' OR n.scheduling = 'DRAINING' OR n.removed_at IS NOT NULL)""")
                .bind("i", instanceId).bind("r", replica).bind("keep", keep).execute();
    }

    // ---- logs

    /** Appends lines and keeps the last {@code keep} of the jail; moves {@code logs_through} to {@code through}. */
    public void appendLogs(String containerId, List<LogRow> lines, Instant through, int keep) {
        if (!lines.isEmpty()) {
            var batch = handle.prepareBatch("INSERT INTO node_jail_logs (container_id, at, stream, line) VALUES (:id, :at, :s, :l)");
            for (LogRow l : lines) {
                batch.bind("id", containerId).bind("at", Rows.timestamp(l.at())).bind("s", l.stream()).bind("l", l.line()).add();
            }
            batch.execute();
            handle.createUpdate("""
                            DELETE FROM node_jail_logs WHERE container_id = :id AND seq <= (
                                SELECT seq FROM node_jail_logs WHERE container_id = :id ORDER BY seq DESC OFFSET :keep LIMIT 1)""")
                    .bind("id", containerId).bind("keep", keep).execute();
        }
        handle.createUpdate("UPDATE node_jails SET logs_through = GREATEST(logs_through, :t) WHERE container_id = :id")
                .bind("t", Rows.timestamp(through)).bind("id", containerId).execute();
    }

    /** The last {@code tail} lines, oldest first. */
    public List<LogRow> lastLogs(String containerId, int tail) {
        List<LogRow> rows = handle.createQuery("""
                        SELECT seq, at, stream, line FROM node_jail_logs WHERE container_id = :id ORDER BY seq DESC LIMIT :n""")
                .bind("id", containerId).bind("n", tail).map((rs, ctx) -> logRow(rs)).list();
        return rows.reversed();
    }

    public List<LogRow> logsAfter(String containerId, long afterSeq, int limit) {
        return handle.createQuery("""
                        SELECT seq, at, stream, line FROM node_jail_logs WHERE container_id = :id AND seq > :after
                        ORDER BY seq LIMIT :n""")
                .bind("id", containerId).bind("after", afterSeq).bind("n", limit).map((rs, ctx) -> logRow(rs)).list();
    }

    public long lastLogSeq(String containerId) {
        return handle.createQuery("SELECT COALESCE(max(seq), 0) FROM node_jail_logs WHERE container_id = :id")
                .bind("id", containerId).mapTo(Long.class).one();
    }

    private static LogRow logRow(ResultSet rs) throws SQLException {
        return new LogRow(rs.getLong("seq"), Rows.instant(rs, "at"), rs.getString("stream"), rs.getString("line"));
    }

    // ---- calls

    public void insertCall(UUID id, UUID nodeId, String kind, String bodyJson, Instant at, Instant expiresAt) {
        handle.createUpdate("""
                        INSERT INTO node_jail_calls (id, node_id, kind, body, created_at, expires_at)
                        VALUES (:id, :node, :kind, CAST(:body AS jsonb), :at, :expires)""")
                .bind("id", id).bind("node", nodeId).bind("kind", kind).bind("body", bodyJson).bind("at", Rows.timestamp(at))
                .bind("expires", expiresAt == null ? null : Rows.timestamp(expiresAt)).execute();
    }

    /** Unanswered, unexpired calls for a node; expired ones are deleted. */
    public List<Call> pendingCalls(UUID nodeId, Instant now) {
        handle.createUpdate("DELETE FROM node_jail_calls WHERE node_id = :n AND expires_at IS NOT NULL AND expires_at < :now")
                .bind("n", nodeId).bind("now", Rows.timestamp(now)).execute();
        return handle.createQuery("""
                        SELECT id, node_id, kind, body::text AS body, answer::text AS answer FROM node_jail_calls
                        WHERE node_id = :n AND answered_at IS NULL ORDER BY created_at LIMIT 100""")
                .bind("n", nodeId).map((rs, ctx) -> call(rs)).list();
    }

    /** Records a node's answer to its own call; false when there is no such unanswered call of this node. */
    public boolean answerCall(UUID id, UUID nodeId, String answerJson, Instant at) {
        return handle.createUpdate("""
                        UPDATE node_jail_calls SET answer = CAST(:a AS jsonb), answered_at = :at
                        WHERE id = :id AND node_id = :n AND answered_at IS NULL""")
                .bind("a", answerJson).bind("at", Rows.timestamp(at)).bind("id", id).bind("n", nodeId).execute() == 1;
    }

    public Optional<Call> findCall(UUID id) {
        return handle.createQuery("SELECT id, node_id, kind, body::text AS body, answer::text AS answer FROM node_jail_calls WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> call(rs)).findOne();
    }

    public void deleteCall(UUID id) {
        handle.createUpdate("DELETE FROM node_jail_calls WHERE id = :id").bind("id", id).execute();
    }

    private static Call call(ResultSet rs) throws SQLException {
        return new Call(rs.getObject("id", UUID.class), rs.getObject("node_id", UUID.class), rs.getString("kind"), rs.getString("body"),
                rs.getString("answer"));
    }

    // ---- volumes

    public void addVolumeHolder(UUID instanceId, UUID nodeId) {
        handle.createUpdate("INSERT INTO node_jail_volumes (instance_id, node_id) VALUES (:i, :n) ON CONFLICT DO NOTHING")
                .bind("i", instanceId).bind("n", nodeId).execute();
    }

    public List<UUID> volumeHolders(UUID instanceId) {
        return handle.createQuery("SELECT node_id FROM node_jail_volumes WHERE instance_id = :i ORDER BY node_id")
                .bind("i", instanceId).mapTo(UUID.class).list();
    }

    public void removeVolumeHolder(UUID instanceId, UUID nodeId) {
        handle.createUpdate("DELETE FROM node_jail_volumes WHERE instance_id = :i AND node_id = :n")
                .bind("i", instanceId).bind("n", nodeId).execute();
    }

    private static Jail jail(ResultSet rs) throws SQLException {
        return new Jail(rs.getString("container_id"), rs.getObject("node_id", UUID.class), rs.getString("node_name"),
                NodeState.valueOf(rs.getString("node_state")), NodeScheduling.valueOf(rs.getString("node_scheduling")),
                rs.getObject("node_removed_at") != null, rs.getObject("instance_id", UUID.class), rs.getInt("replica"),
                rs.getString("spec_hash"), rs.getString("spec"), rs.getString("desired"), rs.getLong("generation"),
                rs.getLong("applied_generation"), rs.getString("observed_state"), rs.getString("observed"), rs.getString("failure"),
                Rows.instant(rs, "logs_through"), Rows.instant(rs, "created_at"));
    }
}
