package dev.roost.sandbox.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The sandbox builds on core only, and its interface knows none of its adapters. */
@AnalyzeClasses(packages = "dev.roost.sandbox", importOptions = ImportOption.DoNotIncludeTests.class)
class SandboxArchitectureTest {

    @ArchTest
    static final ArchRule sandboxDependsOnlyOnCore = noClasses().that().resideInAPackage("dev.roost.sandbox..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.roost.store..", "dev.roost.server..", "dev.roost.cli..", "dev.roost.runtime..",
                    "dev.roost.gateway..", "dev.roost.node..", "dev.roost.bench..")
            .because("a node runs the sandbox without the server's parts (see ARCHITECTURE.md)");

    @ArchTest
    static final ArchRule theInterfaceKnowsNoAdapter = noClasses().that().resideInAPackage("dev.roost.sandbox")
            .should().dependOnClassesThat().resideInAPackage("dev.roost.sandbox.bubblewrap..")
            .because("adapters live in their own packages behind the Sandbox interface (CONVENTIONS.md)");

    @ArchTest
    static final ArchRule noNetworkCodeInTheSandbox = noClasses().that().resideInAPackage("dev.roost.sandbox..")
            .and().resideOutsideOfPackage("dev.roost.sandbox.egress..")
            .should().dependOnClassesThat().resideInAnyPackage("java.net..")
            .because("the sandbox runs processes; network access for jobs goes through the egress proxy, and only it opens sockets");

    @ArchTest
    static final ArchRule theInterfaceKnowsNoProxy = noClasses().that().resideInAPackage("dev.roost.sandbox")
            .should().dependOnClassesThat().resideInAPackage("dev.roost.sandbox.egress..")
            .because("a job and its result say what egress a job has and had; how the proxy works is the adapter's business");
}
