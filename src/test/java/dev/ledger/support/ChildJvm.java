package dev.ledger.support;

import java.util.Arrays;
import java.util.List;

/**
 * JVM flags for the service JVMs that tests start as processes: the build's {@code test.jvm.flags} (pom.xml), passed
 * as the system property {@code ledger.test.child-jvm-flags}; none when it is unset (a test run from an IDE).
 */
public final class ChildJvm {

    private ChildJvm() {}

    public static List<String> flags() {
        String flags = System.getProperty("ledger.test.child-jvm-flags", "").trim();
        return flags.isEmpty() ? List.of() : Arrays.asList(flags.split("\\s+"));
    }
}
