package dev.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

@AnalyzeClasses(packages = "dev.ledger", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** A slice per top-level package below {@code dev.ledger}; the classes of {@code dev.ledger} itself are one more. */
    private static final SliceAssignment FEATURE_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            if (name.equals("dev.ledger")) {
                return SliceIdentifier.of("dev.ledger (application)");
            }
            return name.startsWith("dev.ledger.")
                    ? SliceIdentifier.of(name.substring("dev.ledger.".length()).split("\\.")[0])
                    : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the top-level packages of dev.ledger";
        }
    };

    @ArchTest
    static final ArchRule the_domain_imports_no_spring_aws_or_persistence_classes = noClasses()
            .that()
            .resideInAPackage("dev.ledger.entitlement..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.springframework..",
                    "software.amazon..",
                    "io.awspring..",
                    "jakarta.persistence..",
                    "org.hibernate..",
                    "java.sql..",
                    "javax.sql..",
                    "org.axonframework.spring..",
                    "com.fasterxml.jackson..")
            .because("the entitlement domain is plain Java plus Axon's modelling annotations");

    @ArchTest
    static final ArchRule the_domain_depends_on_no_adapter = noClasses()
            .that()
            .resideInAPackage("dev.ledger.entitlement..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.ledger.web..",
                    "dev.ledger.eventstore..",
                    "dev.ledger.command..",
                    "dev.ledger.local..",
                    "dev.ledger.intake..",
                    "dev.ledger.projection..",
                    "dev.ledger.admin..")
            .because("adapters depend on the domain, never the other way round");

    @ArchTest
    static final ArchRule production_code_uses_no_emulator = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.zonky..", "org.elasticmq..", "org.h2..", "org.apache.pekko..", "scala..", "dev.ledger.local..")
            .because("emulators belong to the local run and the tests, never to the production jar (adr/0016)");

    @ArchTest
    static final ArchRule feature_packages_and_the_application_class_have_no_cycles = slices().assignedFrom(
                    FEATURE_PACKAGES)
            .should()
            .beFreeOfCycles()
            .because("a feature package depends on others one way; a cycle means two features are really one");
}
