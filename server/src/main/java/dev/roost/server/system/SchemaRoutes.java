package dev.roost.server.system;

import dev.roost.core.manifest.AgentInstanceSchema;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.policy.PolicyRule;
import dev.roost.core.template.TemplateSchema;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Reply;
import java.util.List;

/** The published JSON Schemas (for editors and `roost schema`) and the list of policy rules. */
public final class SchemaRoutes {
    private final ManifestPolicy policy;

    public SchemaRoutes(ManifestPolicy policy) {
        this.policy = policy;
    }

    public record RuleView(String name, String description, boolean overridable) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/schemas/agent-instance.json", Access.AUTHENTICATED,
                        "JSON Schema of the AgentInstance manifest",
                        call -> Reply.text(200, "application/schema+json", AgentInstanceSchema.json())),
                ApiRoute.get("/api/v1/schemas/template.json", Access.AUTHENTICATED, "JSON Schema of a Template document",
                        call -> Reply.text(200, "application/schema+json", TemplateSchema.json())),
                ApiRoute.get("/api/v1/policies", Access.AUTHENTICATED, "The policy rules every manifest must pass",
                        call -> policy.rules().stream().map(SchemaRoutes::view).toList()).returnsListOf(RuleView.class));
    }

    private static RuleView view(PolicyRule rule) {
        return new RuleView(rule.name(), rule.description(), rule.overridable());
    }
}
