package org.postern.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering of DESIGN §3 honest: dependencies point one way,
 * core ← codec ← {directory, store, net} ← smtp ← server.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.postern");

    private static void layer(String pkg, String... allowed) {
        String[] forbidden = java.util.stream.Stream.of("core", "codec", "dns", "directory", "store", "net", "smtp", "server")
                .filter(p -> !p.equals(pkg) && !java.util.Arrays.asList(allowed).contains(p))
                .map(p -> "org.postern." + p + "..")
                .toArray(String[]::new);
        noClasses().that().resideInAPackage("org.postern." + pkg + "..")
                .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                .allowEmptyShould(true)
                .check(CLASSES);
    }

    @Test
    void coreDependsOnNothing() {
        layer("core");
    }

    @Test
    void codecDependsOnCoreOnly() {
        layer("codec", "core");
    }

    @Test
    void directoryStoreNetDependOnCoreAndCodec() {
        layer("directory", "core", "codec");
        layer("store", "core", "codec");
        layer("net", "core", "codec");
    }

    @Test
    void smtpDoesNotDependOnServer() {
        layer("smtp", "core", "codec", "dns", "directory", "store", "net");
        layer("dns", "core");
    }

    @Test
    void noCycles() {
        slices().matching("org.postern.(*)..").should().beFreeOfCycles().allowEmptyShould(true).check(CLASSES);
    }
}
