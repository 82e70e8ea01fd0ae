package dev.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.ledger", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule the_domain_imports_no_spring_aws_or_persistence_classes = noClasses()
            .that().resideInAPackage("dev.ledger.entitlement..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..", "software.amazon..", "io.awspring..", "jakarta.persistence..",
                    "org.hibernate..", "java.sql..", "javax.sql..", "org.axonframework.spring..",
                    "com.fasterxml.jackson..")
            .because("the entitlement domain is plain Java plus Axon's modelling annotations");

    @ArchTest
    static final ArchRule the_domain_depends_on_no_adapter = noClasses()
            .that().resideInAPackage("dev.ledger.entitlement..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ledger.web..", "dev.ledger.eventstore..",
                    "dev.ledger.state..", "dev.ledger.local..", "dev.ledger.intake..", "dev.ledger.projection..",
                    "dev.ledger.admin..")
            .because("adapters depend on the domain, never the other way round");

    @ArchTest
    static final ArchRule production_code_uses_no_emulator = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("io.zonky..", "org.elasticmq..", "org.h2..",
                    "org.apache.pekko..", "scala..", "dev.ledger.local..")
            .because("emulators belong to the local run and the tests, never to the production jar (adr/0016)");
}
