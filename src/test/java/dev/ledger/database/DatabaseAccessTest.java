package dev.ledger.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ledger.cli.LedgerCommandLine;
import dev.ledger.support.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The service's own database user (adr/0019), on a real Postgres: an RDS-like admin (CREATEROLE, owner of the
 * database, not a superuser) bootstraps it, then Flyway and the service run as that user; and the IAM token the driver
 * sends instead of a password.
 */
class DatabaseAccessTest {

    private static final AtomicInteger RUN = new AtomicInteger();

    private TestDatabase.Database superuser;
    private String url;
    private String admin;
    private String app;

    /** A database owned by an admin role like RDS's master user, and an rds_iam role as on RDS. */
    @BeforeEach
    void rdsLikeDatabase() throws SQLException {
        superuser = TestDatabase.newDatabase();
        url = superuser.url();
        String suffix = ProcessHandle.current().pid() + "_" + RUN.incrementAndGet();
        admin = "rds_admin_" + suffix;
        app = "ledger_app_" + suffix;
        String database = url.substring(url.lastIndexOf('/') + 1);
        try (Connection connection = superuser.connect();
                Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN "
                    + "CREATE ROLE rds_iam NOLOGIN; END IF; END $$");
            statement.execute("CREATE ROLE " + admin + " LOGIN CREATEROLE NOSUPERUSER PASSWORD 'admin-secret'");
            // RDS's master user is a member of rds_superuser, which may grant rds_iam
            statement.execute("GRANT rds_iam TO " + admin + " WITH ADMIN OPTION");
            statement.execute("ALTER DATABASE " + database + " OWNER TO " + admin);
        }
    }

    @Test
    void after_the_bootstrap_flyway_and_the_ledger_schema_belong_to_the_applications_own_user() throws Exception {
        DatabaseBootstrap.Result result = DatabaseBootstrap.run(url, admin, "admin-secret", app);

        assertThat(result.roleCreated()).isTrue();
        assertThat(result.iamGranted()).isTrue();
        migrateAs(app);
        try (Connection connection = connectAs(app)) {
            assertThat(rows(
                            connection,
                            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
                                    + "WHERE rolname = current_user"))
                    .containsExactly("f|f|f");
            assertThat(rows(connection, "SELECT pg_has_role(current_user, 'rds_iam', 'MEMBER')"))
                    .containsExactly("t");
            assertThat(rows(connection, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
                    .containsExactly(app);
            assertThat(rows(
                            connection,
                            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                    + "AND tablename = 'domain_event_entry'"))
                    .containsExactly("1");
        }
    }

    @Test
    void a_schema_an_earlier_deployment_created_as_the_admin_is_handed_over_and_a_second_run_changes_nothing()
            throws Exception {
        migrateAs(admin);

        DatabaseBootstrap.Result first = DatabaseBootstrap.run(url, admin, "admin-secret", app);
        DatabaseBootstrap.Result second = DatabaseBootstrap.run(url, admin, "admin-secret", app);

        assertThat(first.ownershipTaken())
                .contains(
                        "schema public",
                        "table domain_event_entry",
                        "table flyway_schema_history",
                        "table entitlement_state");
        assertThat(second.roleCreated()).isFalse();
        assertThat(second.ownershipTaken()).isEmpty();
        migrateAs(app);
        try (Connection connection = connectAs(app);
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            // what a future migration does: only the owner may
            statement.execute("ALTER TABLE domain_event_entry ADD COLUMN bootstrap_probe integer");
            statement.execute("CREATE TABLE bootstrap_probe (id integer)");
            connection.rollback();
            assertThat(rows(connection, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
                    .containsExactly(app);
        }
    }

    @Test
    void the_bootstrap_refuses_an_application_user_with_admin_rights() throws SQLException {
        try (Connection connection = superuser.connect();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE " + app + " LOGIN CREATEROLE");
        }

        assertThatThrownBy(() -> DatabaseBootstrap.run(url, admin, "admin-secret", app))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CREATEROLE");
        assertThatThrownBy(() -> DatabaseBootstrap.run(url, admin, "admin-secret", admin))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatabaseBootstrap.run(url, admin, "admin-secret", "x; DROP TABLE y"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_command_line_bootstrap_exits_0_and_reports_what_it_did() throws SQLException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = LedgerCommandLine.run(
                dev.ledger.LedgerApplication.class,
                new String[] {"database", "bootstrap", "--url", url, "--admin-username", admin, "--app-username", app},
                new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(exit).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("role " + app + " created", "rds_iam granted");
        try (Connection connection = connectAs(app)) {
            assertThat(rows(connection, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'"))
                    .containsExactly(app);
        }
    }

    @Test
    void the_iam_token_is_signed_for_the_connections_host_port_and_user() {
        Properties connection = new Properties();
        connection.setProperty("PGHOST", "ledger-prod-db.abc123.eu-west-1.rds.amazonaws.com");
        connection.setProperty("PGPORT", "5432");
        connection.setProperty("user", "ledger_app");
        RdsIamAuthentication plugin = new RdsIamAuthentication(
                connection,
                Region.EU_WEST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")));

        String token = URLDecoder.decode(new String(plugin.getPassword(null)), StandardCharsets.UTF_8);

        assertThat(token)
                .startsWith("ledger-prod-db.abc123.eu-west-1.rds.amazonaws.com:5432/?")
                .contains(
                        "Action=connect",
                        "DBUser=ledger_app",
                        "X-Amz-Credential=AKIDEXAMPLE/",
                        "/eu-west-1/rds-db/aws4_request",
                        "X-Amz-Expires=900",
                        "X-Amz-Signature=");
    }

    @Test
    void under_iam_authentication_the_pool_asks_the_driver_for_a_token_and_holds_no_password() throws Exception {
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setPassword("must-not-be-used");

        IamAuthenticationConfiguration.iamAuthenticatedPool().postProcessBeforeInitialization(pool, "dataSource");

        assertThat(pool.getDataSourceProperties())
                .containsEntry("authenticationPluginClassName", RdsIamAuthentication.class.getName());
        assertThat(pool.getPassword()).isNull();
        pool.close();
    }

    @Test
    void the_driver_answers_a_password_request_with_the_iam_token() throws Exception {
        Path hba;
        try (Connection connection = superuser.connect();
                Statement statement = connection.createStatement()) {
            hba = Path.of(rows(connection, "SHOW hba_file").get(0));
        }
        assumeTrue(Files.isWritable(hba), "the Postgres server's pg_hba.conf is on this machine (embedded)");
        String probe = "iam_probe_" + ProcessHandle.current().pid();
        String rule = "host all " + probe + " 127.0.0.1/32 password\nhost all " + probe + " ::1/128 password\n";
        String original = Files.readString(hba);
        try (Connection connection = superuser.connect();
                Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + probe
                    + "') THEN CREATE ROLE " + probe + " LOGIN; END IF; END $$");
            Files.writeString(hba, rule + original);
            statement.execute("SELECT pg_reload_conf()");
            Properties withoutPlugin = new Properties();
            withoutPlugin.setProperty("user", probe);
            // the server reloads its configuration in the background: the rule applies once a connection needs it
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThatThrownBy(() -> DriverManager.getConnection(url, withoutPlugin)
                                    .close())
                            .hasMessageContaining("no password was provided"));

            Properties withPlugin = new Properties();
            withPlugin.setProperty("user", probe);
            withPlugin.setProperty("authenticationPluginClassName", RdsIamAuthentication.class.getName());
            System.setProperty("aws.region", "us-east-1");
            System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
            System.setProperty("aws.secretAccessKey", "secret");
            try {
                // the role has no password, so the token is refused: what matters is that one was sent
                assertThatThrownBy(() ->
                                DriverManager.getConnection(url, withPlugin).close())
                        .hasMessageContaining("password authentication failed for user \"" + probe + "\"");
            } finally {
                System.clearProperty("aws.region");
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        } finally {
            Files.writeString(hba, original);
            try (Connection connection = superuser.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_reload_conf()");
            }
        }
    }

    private void migrateAs(String user) {
        Flyway.configure()
                .dataSource(url, user, user.equals(admin) ? "admin-secret" : null)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    private Connection connectAs(String user) throws SQLException {
        return DriverManager.getConnection(url, user, null);
    }

    private static List<String> rows(Connection connection, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(result.getString(i));
                }
                rows.add(String.join("|", values));
            }
        }
        return rows;
    }
}
