package dev.ledger.database;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Prepares the database for the service's own user, with the admin (RDS master) credentials, before the service
 * starts (in AWS, the task's {@code db-bootstrap} container; adr/0019). Idempotent: it changes only what is missing.
 *
 * <ol>
 *   <li>creates the application role ({@code LOGIN}, no superuser, no {@code CREATEROLE}, no {@code CREATEDB}) if it
 *       does not exist, and refuses to go on if an existing one has any of those rights;</li>
 *   <li>grants it {@code rds_iam} where that role exists (RDS), so it signs in with IAM tokens and has no password;</li>
 *   <li>lets it connect to the database and makes it the owner of the schema {@code public} and of every table,
 *       sequence and view in it, including those an earlier deployment created as the admin. Flyway, which runs in the
 *       service as that user, may therefore change the ledger's own schema and nothing else.</li>
 * </ol>
 */
public final class DatabaseBootstrap {

    /** A Postgres identifier that needs no quoting. */
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** What the bootstrap did, for the log. */
    public record Result(
            String database, String role, boolean roleCreated, boolean iamGranted, List<String> ownershipTaken) {}

    private DatabaseBootstrap() {}

    public static Result run(String url, String adminUser, String adminPassword, String role) throws SQLException {
        if (!ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException(
                    "the application user must be a plain lower-case Postgres name, got '" + role + "'");
        }
        if (role.equals(adminUser)) {
            throw new IllegalArgumentException("the application user must not be the admin user " + adminUser);
        }
        Properties properties = new Properties();
        properties.setProperty("user", adminUser);
        if (adminPassword != null) {
            properties.setProperty("password", adminPassword);
        }
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            connection.setAutoCommit(false);
            Result result = bootstrap(connection, role);
            connection.commit();
            return result;
        }
    }

    private static Result bootstrap(Connection connection, String role) throws SQLException {
        String database = single(connection, "SELECT current_database()");
        boolean created = false;
        try (PreparedStatement exists = connection.prepareStatement(
                "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = ?")) {
            exists.setString(1, role);
            try (ResultSet rights = exists.executeQuery()) {
                if (rights.next()) {
                    if (rights.getBoolean(1) || rights.getBoolean(2) || rights.getBoolean(3)) {
                        throw new IllegalStateException("role " + role + " exists with SUPERUSER, CREATEROLE or "
                                + "CREATEDB; the service must not run with them (adr/0019)");
                    }
                } else {
                    execute(connection, "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
                    created = true;
                }
            }
        }
        execute(connection, "ALTER ROLE " + role + " LOGIN");
        boolean iam = "1".equals(single(connection, "SELECT count(*) FROM pg_roles WHERE rolname = 'rds_iam'"));
        if (iam) {
            execute(connection, "GRANT rds_iam TO " + role);
        }
        // To hand objects over, the admin must be able to act as the role (PG 16: a CREATEROLE creator has only ADMIN).
        if (!"t".equals(single(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))) {
            execute(connection, "GRANT " + role + " TO current_user");
        }
        execute(
                connection,
                "GRANT CONNECT, TEMPORARY ON DATABASE \"" + database.replace("\"", "\"\"") + "\" TO " + role);
        List<String> taken = new ArrayList<>();
        if (!role.equals(
                single(connection, "SELECT nspowner::regrole::text FROM pg_namespace " + "WHERE nspname = 'public'"))) {
            execute(connection, "ALTER SCHEMA public OWNER TO " + role);
            taken.add("schema public");
        }
        List<String[]> objects = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet owned = statement.executeQuery("""
                     SELECT c.relkind, quote_ident(c.relname)
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                       AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '%s')
                       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')
                                       AND c.relkind = 'S')
                     ORDER BY c.relname""".formatted(role))) {
            while (owned.next()) {
                objects.add(new String[] {owned.getString(1), owned.getString(2)});
            }
        }
        for (String[] object : objects) {
            String kind = switch (object[0]) {
                case "S" -> "SEQUENCE";
                case "v" -> "VIEW";
                case "m" -> "MATERIALIZED VIEW";
                default -> "TABLE";
            };
            execute(connection, "ALTER " + kind + " public." + object[1] + " OWNER TO " + role);
            taken.add(kind.toLowerCase() + " " + object[1]);
        }
        return new Result(database, role, created, iam, taken);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
