package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import java.util.List;

/**
 * Whether a workspace's prompts can be answered now: its default model (the model alias
 * {@value InferenceReadiness#DEFAULT_ALIAS}), each target's provider and whether it answers,
 * and what to configure when none does. What {@code roost status} shows for the current workspace.
 */
public final class InferenceRoutes {
    private final InferenceReadiness readiness;

    public InferenceRoutes(InferenceReadiness readiness) {
        this.readiness = requireNonNull(readiness, "readiness is null");
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/api/v1/workspaces/{ws}/inference", Access.workspace(Role.VIEWER),
                        "Whether prompts (prompt tasks) can be answered: the workspace's default model, its targets and "
                                + "whether each answers, and what to configure when none does",
                        call -> readiness.forWorkspace(call.workspace().id()))
                .returns(InferenceReadiness.Status.class));
    }
}
