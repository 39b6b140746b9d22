package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code roost schema}: the JSON Schema editors check manifests with. */
@Command(mixinStandardHelpOptions = true, name = "schema", description = {"Print the JSON Schema of the AgentInstance manifest (or of a template) for editors.",
        "Example: roost schema > agent-instance.schema.json"})
final class SchemaCommand implements Callable<Integer> {
    private final Connection connection;

    @Option(names = "--template", description = "The schema of a Template document instead.")
    boolean template;

    SchemaCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public Integer call() {
        String path = template ? "/api/v1/schemas/template.json" : "/api/v1/schemas/agent-instance.json";
        connection.printer().text(connection.client().get(path).text());
        return ExitCodes.OK;
    }
}
