package dev.roost.store;

import static java.util.Objects.requireNonNull;

import dev.roost.store.audit.AuditLog;
import dev.roost.store.identity.ApiTokenRepository;
import dev.roost.store.identity.RefreshTokenRepository;
import dev.roost.store.identity.UserRepository;
import dev.roost.store.idempotency.IdempotencyStore;
import dev.roost.store.instances.InstanceRepository;
import dev.roost.store.instances.ManifestVersionRepository;
import dev.roost.store.templates.TemplateRepository;
import dev.roost.store.workspaces.MembershipRepository;
import dev.roost.store.workspaces.PlanRepository;
import dev.roost.store.workspaces.WorkspaceRepository;
import org.jdbi.v3.core.Handle;

/**
 * One connection's worth of work: inside {@link Database#transaction} everything done through
 * the repositories here commits or rolls back together. Confined to the thread that opened it.
 * A session from {@link Database#open()} runs in autocommit mode and must be closed.
 */
public final class Session implements AutoCloseable {
    private final Handle handle;

    Session(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public UserRepository users() {
        return new UserRepository(handle);
    }

    public RefreshTokenRepository refreshTokens() {
        return new RefreshTokenRepository(handle);
    }

    public ApiTokenRepository apiTokens() {
        return new ApiTokenRepository(handle);
    }

    public PlanRepository plans() {
        return new PlanRepository(handle);
    }

    public WorkspaceRepository workspaces() {
        return new WorkspaceRepository(handle);
    }

    public MembershipRepository memberships() {
        return new MembershipRepository(handle);
    }

    public InstanceRepository instances() {
        return new InstanceRepository(handle);
    }

    public ManifestVersionRepository manifests() {
        return new ManifestVersionRepository(handle);
    }

    public dev.roost.store.instances.DeploymentEventRepository deploymentEvents() {
        return new dev.roost.store.instances.DeploymentEventRepository(handle);
    }

    public dev.roost.store.instances.ReconcileStateRepository reconcileState() {
        return new dev.roost.store.instances.ReconcileStateRepository(handle);
    }

    public dev.roost.store.nodes.NodeRepository nodes() {
        return new dev.roost.store.nodes.NodeRepository(handle);
    }

    public dev.roost.store.nodes.NodeJailRepository nodeJails() {
        return new dev.roost.store.nodes.NodeJailRepository(handle);
    }

    public TemplateRepository templates() {
        return new TemplateRepository(handle);
    }

    public AuditLog audit() {
        return new AuditLog(handle);
    }

    public dev.roost.store.jobs.JobRepository jobs() {
        return new dev.roost.store.jobs.JobRepository(handle);
    }

    public dev.roost.store.tasks.TaskRepository tasks() {
        return new dev.roost.store.tasks.TaskRepository(handle);
    }

    public dev.roost.store.console.ConsoleSessionRepository consoleSessions() {
        return new dev.roost.store.console.ConsoleSessionRepository(handle);
    }

    public IdempotencyStore idempotency() {
        return new IdempotencyStore(handle);
    }

    /** Takes a transaction-scoped advisory lock; released at commit or rollback. */
    public void lock(String name) {
        handle.createUpdate("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))").bind("name", name).execute();
    }

    public Handle handle() {
        return handle;
    }

    /** Returns the connection to the pool. Only for sessions from {@link Database#open()}. */
    @Override
    public void close() {
        handle.close();
    }
}
