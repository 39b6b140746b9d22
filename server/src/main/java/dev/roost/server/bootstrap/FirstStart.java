package dev.roost.server.bootstrap;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.identity.User;
import dev.roost.core.template.BuiltInTemplates;
import dev.roost.core.template.Template;
import dev.roost.core.template.TemplateCodec;
import dev.roost.core.workspace.Plan;
import dev.roost.server.auth.PasswordHasher;
import dev.roost.server.auth.PasswordPolicy;
import dev.roost.server.home.RoostHome;
import dev.roost.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a new installation needs before it can serve: the built-in plans and templates, and a first server
 * admin whose password comes from {@code ROOST_ADMIN_PASSWORD} or is generated, shown once and
 * written to {@code <home>/initial-admin-password} (mode 0600). Runs on every start and only
 * adds what is missing, so a restart keeps all data and edits.
 */
public final class FirstStart {
    private static final Logger log = LoggerFactory.getLogger(FirstStart.class);
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    public static final String PASSWORD_FILE = "initial-admin-password";

    private FirstStart() {
    }

    /** What happened; {@code generatedPassword} is set only on the start that created the admin with a generated password. */
    public record Outcome(boolean adminCreated, String adminUsername, String generatedPassword, Path passwordFile) {
        @Override
        public String toString() {
            return "Outcome[adminCreated=" + adminCreated + ", adminUsername=" + adminUsername + "]";
        }
    }

    public static Outcome run(Database database, RoostHome home, String adminUsername, String adminPassword,
            PasswordHasher hasher) {
        requireNonNull(database, "database is null");
        if (adminPassword != null) {
            PasswordPolicy.check("ROOST_ADMIN_PASSWORD", adminPassword);
        }
        return database.transaction(session -> {
            session.lock("roost.first-start"); // several replicas may start at once
            for (Plan plan : Plan.builtIn()) {
                if (session.plans().createIfMissing(plan)) {
                    session.audit().append(new AuditEvent("roost", "plan.create", "plan", plan.name(), null, "first-start",
                            Map.of("builtIn", true), List.of()));
                }
            }
            for (Template template : BuiltInTemplates.all()) {
                if (session.templates().find(template.name()).isEmpty()) {
                    session.templates().create(template.name(), template.description(), TemplateCodec.toYaml(template), true,
                            "roost");
                    session.audit().append(new AuditEvent("roost", "template.create", "template", template.name(), null,
                            "first-start", Map.of("builtIn", true), List.of()));
                }
            }
            if (session.users().count() > 0) {
                return new Outcome(false, adminUsername, null, null);
            }
            String password = adminPassword != null ? adminPassword : generatePassword();
            User admin = session.users().create(adminUsername, "Administrator", hasher.hash(password), true);
            session.audit().append(new AuditEvent("roost", "user.create", "user", admin.username(), null, "first-start",
                    Map.of("serverAdmin", true, "passwordSource", adminPassword != null ? "ROOST_ADMIN_PASSWORD" : "generated"),
                    List.of()));
            if (adminPassword != null) {
                log.info("Created server admin '{}' with the password from ROOST_ADMIN_PASSWORD", admin.username());
                return new Outcome(true, admin.username(), null, null);
            }
            Path file = home.resolve(PASSWORD_FILE);
            try {
                RoostHome.writeSecret(file, password + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + file, e);
            }
            log.info("Created server admin '{}' with a generated password, written to {}", admin.username(), file);
            return new Outcome(true, admin.username(), password, file);
        });
    }

    static String generatePassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            if (i > 0 && i % 6 == 0) {
                sb.append('-');
            }
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
