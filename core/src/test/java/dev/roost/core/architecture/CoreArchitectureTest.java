package dev.roost.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Core is the domain: no I/O, no network, no database, and nothing of the modules built on it. */
@AnalyzeClasses(packages = "dev.roost.core", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreArchitectureTest {

    @ArchTest
    static final ArchRule coreDependsOnNoOtherRoostModule = noClasses().that().resideInAPackage("dev.roost.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.roost.store..", "dev.roost.server..", "dev.roost.cli..", "dev.roost.runtime..", "dev.roost.sandbox..",
                    "dev.roost.gateway..", "dev.roost.node..", "dev.roost.bench..")
            .because("core is the domain every module builds on (see ARCHITECTURE.md)");

    @ArchTest
    static final ArchRule coreDoesNoDatabaseOrNetworkWork = noClasses().that().resideInAPackage("dev.roost.core..")
            .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "java.net..", "java.net.http..")
            .because("core holds no I/O; the store and the server do that");

    @ArchTest
    static final ArchRule coreTouchesNoFiles = noClasses().that().resideInAPackage("dev.roost.core..")
            .should().dependOnClassesThat().resideInAnyPackage("java.nio.file..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
            .because("core reads only its own class-path resources");

    @ArchTest
    static final ArchRule corePrintsNothing = noClasses().that().resideInAPackage("dev.roost.core..")
            .should().accessField(System.class, "out").orShould().accessField(System.class, "err")
            .because("core reports through return values and exceptions, never by printing");

    @ArchTest
    static final ArchRule corePackagesHaveNoCycles = slices().matching("dev.roost.core.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule noUtilOrManagerClasses = noClasses().that().resideInAPackage("dev.roost.core..")
            .should().haveSimpleNameEndingWith("Util").orShould().haveSimpleNameEndingWith("Utils")
            .orShould().haveSimpleNameEndingWith("Manager").orShould().haveSimpleNameEndingWith("Helper")
            .because("names explain themselves (CONVENTIONS.md)");
}
