package dev.ledger.bench;

import dev.ledger.support.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the numbers were measured on: the machine, the JVM, the commit, and the Postgres settings that matter. */
final class Machine {

    /** Settings that decide commit cost and caching; {@code fsync} too, because embedded Postgres turns it off. */
    static final List<String> POSTGRES_SETTINGS = List.of(
            "server_version",
            "synchronous_commit",
            "commit_delay",
            "commit_siblings",
            "shared_buffers",
            "fsync",
            "full_page_writes",
            "wal_sync_method",
            "work_mem",
            "max_connections");

    private Machine() {}

    static Map<String, Object> describe() {
        Map<String, Object> machine = new LinkedHashMap<>();
        Runtime runtime = Runtime.getRuntime();
        machine.put("cores (Runtime.availableProcessors)", runtime.availableProcessors());
        machine.put("memory total (MemTotal, /proc/meminfo)", memTotal());
        machine.put("cpu model", cpuModel());
        machine.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        machine.put(
                "jvm",
                System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version", System.getProperty("java.version")) + " ("
                        + System.getProperty("java.vendor") + ")");
        machine.put("benchmark JVM max heap", mib(runtime.maxMemory()));
        machine.put("postgres source (TestDatabase)", TestDatabase.kind());
        machine.put("git commit", gitCommit());
        return machine;
    }

    /** {@code SHOW} of each setting in {@link #POSTGRES_SETTINGS}, on the server every scenario uses. */
    static Map<String, Object> postgres(TestDatabase.Database database) throws SQLException {
        Map<String, Object> settings = new LinkedHashMap<>();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            for (String name : POSTGRES_SETTINGS) {
                try (ResultSet rs = statement.executeQuery("SHOW " + name)) {
                    settings.put(name, rs.next() ? rs.getString(1) : null);
                }
            }
        }
        return settings;
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                    long kib = Long.parseLong(parts[0]);
                    return String.format(java.util.Locale.ROOT, "%.1f GiB (%d kB)", kib / 1024.0 / 1024.0, kib);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
        return "unknown";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }

    /** The checked-out commit, read from {@code .git} without running git; "unknown" outside a work tree. */
    private static String gitCommit() {
        try {
            Path git = Path.of(".git");
            String head = Files.readString(git.resolve("HEAD"), StandardCharsets.UTF_8)
                    .trim();
            if (!head.startsWith("ref: ")) {
                return head;
            }
            String ref = head.substring("ref: ".length());
            Path loose = git.resolve(ref);
            if (Files.exists(loose)) {
                return Files.readString(loose, StandardCharsets.UTF_8).trim() + " (" + ref + ")";
            }
            Path packed = git.resolve("packed-refs");
            if (Files.exists(packed)) {
                for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                    if (line.endsWith(" " + ref)) {
                        return line.substring(0, line.indexOf(' ')) + " (" + ref + ")";
                    }
                }
            }
            return "unknown (" + ref + ")";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / 1024.0 / 1024.0);
    }
}
