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
    static final ArchRule nothing_but_the_local_package_starts_embedded_services = noClasses()
            .that().resideOutsideOfPackage("dev.ledger.local..")
            .should().dependOnClassesThat().resideInAnyPackage("io.zonky..", "org.elasticmq..")
            .because("embedded services belong to the local run only");
}
