package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.Query;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** {@code roost audit}: who changed what, newest first; {@code roost audit verify} checks the hash chain. */
@Command(mixinStandardHelpOptions = true, name = "audit", description = {"Read the audit log, newest first.",
        "With a workspace (-w, ROOST_WORKSPACE or the default) it shows that workspace's entries; with -A, or without any "
                + "workspace, the whole log (server admins only).",
        "Example: roost audit --action instance. --since 1h"})
final class AuditCommand implements Callable<Integer> {
    private static final Pattern RELATIVE = Pattern.compile("^(\\d{1,6})([smhdw])$");

    private final Connection connection;

    @Option(names = "--actor", paramLabel = "USER", description = "Only entries by this actor.")
    String actor;

    @Option(names = "--action", paramLabel = "PREFIX", description = "Only actions starting with this, e.g. instance. or user.create.")
    String action;

    @Option(names = "--resource", paramLabel = "TYPE[/ID]", description = "Only entries about this resource, e.g. instance/support-bot.")
    String resource;

    @Option(names = "--since", paramLabel = "WHEN", description = "Only entries since then: 30m, 1h, 7d, 2026-01-31 or 2026-01-31T09:00:00Z.")
    String since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most this many entries, 1-500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = {"-A", "--all-workspaces"}, description = "The whole log, not one workspace's part (server admins only).")
    boolean allWorkspaces;

    @Mixin
    WorkspaceOption workspaceOption;

    @Mixin
    OutputOption output;

    AuditCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public Integer call() {
        if (allWorkspaces && workspaceOption.name() != null) {
            throw new CliException(ExitCodes.USAGE, "-A reads every workspace's entries; it does not go with -w.");
        }
        String workspace = allWorkspaces ? null : connection.explicitWorkspace(workspaceOption.name());
        String base = workspace == null ? "/api/v1/audit" : WorkspaceCommand.path(workspace) + "/audit";
        Query query = new Query().add("actor", actor).add("action", action).add("limit", limit);
        if (resource != null) {
            int slash = resource.indexOf('/');
            query.add("resourceType", slash < 0 ? resource : resource.substring(0, slash));
            query.add("resourceId", slash < 0 ? null : resource.substring(slash + 1));
        }
        if (since != null) {
            query.add("from", since(since, connection.context().clock().instant()));
        }
        JsonNode page = connection.client().get(base + query).json();
        connection.printer().print(output.format(), page, () -> {
            Table table = Table.of("seq", "time", "actor", "action", "resource", "workspace", "details");
            for (JsonNode e : page.path("items")) {
                String resourceText = e.path("resourceType").asString("") + "/" + e.path("resourceId").asString("");
                table.row(e.path("seq").asLong(), TimeText.timestamp(e.path("at").asString(null)), e.path("actor").asString(null),
                        e.path("action").asString(null), resourceText, e.path("workspace").asString(null), summary(e));
            }
            return table.isEmpty() ? "" : table.render();
        });
        if (page.path("items").isEmpty()) {
            connection.context().err().println("No audit entries match.");
        } else if (page.hasNonNull("next")) {
            connection.context().err().println("(older entries follow; raise --limit or narrow the filters)");
        }
        return ExitCodes.OK;
    }

    /** An instant from "1h", "30m", "7d", "2w", a date (midnight UTC) or an ISO-8601 instant. */
    static String since(String text, Instant now) {
        Matcher m = RELATIVE.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d).toString();
        }
        try {
            return Instant.parse(text.trim()).toString();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text.trim()).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
            } catch (DateTimeParseException again) {
                throw new CliException(ExitCodes.USAGE, "--since takes a duration (30m, 1h, 7d), a date (2026-01-31) or an "
                        + "instant (2026-01-31T09:00:00Z), not " + text);
            }
        }
    }

    /** An entry's details and warnings in one short line. */
    static String summary(JsonNode entry) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> d : entry.path("details").properties()) {
            JsonNode v = d.getValue();
            parts.add(d.getKey() + "=" + (v.isValueNode() ? v.asString("") : v.toString()));
        }
        int warnings = entry.path("warnings").size();
        String text = (warnings > 0 ? "WARNINGS: " + warnings + "; " : "") + String.join(" ", parts);
        return text.length() > 100 ? text.substring(0, 97) + "..." : text;
    }

    @Command(mixinStandardHelpOptions = true, name = "verify", description = {"Check the audit log's hash chain from the first entry to the newest (server admins).",
            "Exits with 1 when the chain is broken: an entry was changed or removed."})
    int verify(@Mixin OutputOption verifyOutput) {
        JsonNode v = connection.client().get("/api/v1/audit/verify").json();
        boolean intact = v.path("intact").asBoolean();
        connection.printer().print(verifyOutput.format(), v, () -> {
            Fields fields = new Fields()
                    .add("Chain", intact ? "intact" : "BROKEN")
                    .add("Entries checked", v.path("entriesChecked").asLong())
                    .add("Newest entry", "#" + v.path("headSeq").asLong() + " " + v.path("headHash").asString(""));
            if (!intact) {
                fields.add("First broken entry", "#" + v.path("firstBrokenSeq").asLong());
                fields.add("Reason", v.path("reason").asString(null));
            }
            return fields.render();
        });
        if (!intact) {
            connection.context().err().println("error: the audit log has been tampered with at entry #"
                    + v.path("firstBrokenSeq").asLong() + ": " + v.path("reason").asString(""));
        }
        return intact ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
