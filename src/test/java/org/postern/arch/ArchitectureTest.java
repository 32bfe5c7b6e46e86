package org.postern.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering of DESIGN §3 honest with an allow-list: every package of org.postern is listed
 * with the packages it may depend on (core ← codec ← {dns, directory, store, net} ← pipeline ← smtp ← server).
 * A package missing from the list fails the test, so a new package is placed in the layering deliberately.
 * Subpackages of one module may use each other. Entries are package prefixes: "codec" allows org.postern.codec and everything under it.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.postern");

    private static final List<String> LOW = List.of("core");
    private static final List<String> CODEC = List.of("core", "codec");
    private static final List<String> MIDDLE = List.of("core", "codec", "dns", "directory", "store", "net");
    private static final List<String> SMTP = List.of("core", "codec", "dns", "directory", "store", "net", "pipeline", "auth", "smtp");

    /** Package (relative to org.postern) → packages it may use (besides itself and core.event, usable by all). */
    private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
            Map.entry("core", List.of()),
            Map.entry("core.config", LOW),
            Map.entry("core.event", LOW),
            Map.entry("codec", LOW),
            Map.entry("codec.smtp", LOW),
            Map.entry("codec.mime", LOW),
            Map.entry("dns", LOW),
            Map.entry("directory", CODEC),
            Map.entry("directory.password", CODEC),
            Map.entry("store", CODEC),
            Map.entry("net", CODEC),
            Map.entry("net.proxy", CODEC),
            Map.entry("net.tls", CODEC),
            Map.entry("auth", MIDDLE),
            Map.entry("pipeline", CODEC),
            Map.entry("smtp", SMTP),
            Map.entry("smtp.delivery", SMTP),
            Map.entry("smtp.inbound", SMTP),
            Map.entry("smtp.lmtp", SMTP),
            Map.entry("smtp.policy", SMTP),
            Map.entry("smtp.policy.table", SMTP),
            Map.entry("smtp.queue", SMTP),
            Map.entry("server", List.of("")),
            Map.entry("server.cli", List.of("")),
            Map.entry("server.config", List.of("")),
            Map.entry("server.control", List.of("")),
            Map.entry("server.logging", List.of("")),
            Map.entry("server.tls", List.of("")));

    private static String relative(JavaClass c) {
        String p = c.getPackageName();
        return p.equals("org.postern") ? "" : p.substring("org.postern.".length());
    }

    /** The first segment: subpackages of one module (net, net.tls, net.proxy) may use each other. */
    private static String module(String pkg) {
        int dot = pkg.indexOf('.');
        return dot < 0 ? pkg : pkg.substring(0, dot);
    }

    private static boolean within(String pkg, String prefix) {
        return prefix.isEmpty() || pkg.equals(prefix) || pkg.startsWith(prefix + ".");
    }

    @Test
    void everyPackageIsKnown() {
        Set<String> unknown = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            String p = relative(c);
            if (!p.isEmpty() && !ALLOWED.containsKey(p)) {
                unknown.add("org.postern." + p);
            }
        }
        assertEquals(Set.of(), unknown, "packages missing from ArchitectureTest.ALLOWED: place them in the layering");
    }

    @Test
    void dependenciesFollowTheAllowList() {
        Set<String> violations = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            String from = relative(c);
            List<String> allowed = ALLOWED.get(from);
            if (allowed == null) {
                continue; // reported by everyPackageIsKnown
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass();
                if (!target.getPackageName().startsWith("org.postern")) {
                    continue;
                }
                String to = relative(target);
                boolean ok = module(to).equals(module(from)) || within(to, "core.event") || allowed.stream().anyMatch(a -> within(to, a))
                        || ("pipeline".equals(to) && (within(from, "smtp") || within(from, "server")));
                if (!ok) {
                    violations.add("org.postern." + from + " -> org.postern." + to + " (" + c.getSimpleName() + " uses " + target.getSimpleName() + ")");
                }
            }
        }
        assertEquals(Set.of(), violations, "dependencies outside ArchitectureTest.ALLOWED");
    }

    @Test
    void noCycles() {
        slices().matching("org.postern.(*)..").should().beFreeOfCycles().allowEmptyShould(true).check(CLASSES);
    }
}
