package dev.roost.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the server's shape: a generic HTTP layer, domain packages that do not lean on each other, one composition root. */
class ServerArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.roost");
    }

    @Test
    void theHttpLayerKnowsNoDomainPackage() {
        noClasses().that().resideInAPackage("dev.roost.server.http..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.roost.server.instances..", "dev.roost.server.workspaces..",
                        "dev.roost.server.users..", "dev.roost.server.plans..", "dev.roost.server.templates..",
                        "dev.roost.server.audit..", "dev.roost.server.system..", "dev.roost.server.secrets..")
                .check(classes);
    }

    @Test
    void serverPackagesHaveNoCycles() {
        slices().matching("dev.roost.server.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void lowerModulesNeverReachUp() {
        noClasses().that().resideInAnyPackage("dev.roost.core..", "dev.roost.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.roost.server..", "dev.roost.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.roost.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.roost.store..", "org.jdbi..", "java.sql..")
                .check(classes);
    }

    @Test
    void onlyTheCompositionRootWiresRouteClasses() {
        noClasses().that().resideOutsideOfPackage("dev.roost.server")
                .should().callConstructorWhere(JavaCall.Predicates.target(
                        HasOwner.Predicates.With.owner(HasName.Predicates.nameMatching(".*Routes"))))
                .check(classes);
    }

    @Test
    void serverCodeLogsThroughSlf4jNotStandardStreams() {
        noClasses().that().resideInAPackage("dev.roost.server..")
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .check(classes);
    }
}
