package dev.ledger.database;

import java.util.Properties;
import org.postgresql.plugin.AuthenticationPlugin;
import org.postgresql.plugin.AuthenticationRequestType;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.rds.RdsUtilities;

/**
 * The PostgreSQL driver's password source under {@code ledger.database.authentication=iam}: whenever the server asks
 * for a password (each new pooled connection), it gets an RDS IAM authentication token for the connection's host,
 * port and user, signed locally by the AWS SDK with the task role's credentials. A token is valid for 15 minutes and
 * only for opening a connection, so nothing expires under an open connection and no secret exists to rotate.
 *
 * <p>The driver instantiates it from the connection property {@code authenticationPluginClassName} with the
 * connection's properties ({@link IamAuthenticationConfiguration}).
 */
public final class RdsIamAuthentication implements AuthenticationPlugin {

    /**
     * The driver makes a plugin per connection: the default chain is built once per process, so it fetches and caches
     * the task role's credentials once, not on every new connection.
     */
    private static final class Defaults {
        static final Region REGION =
                DefaultAwsRegionProviderChain.builder().build().getRegion();
        static final AwsCredentialsProvider CREDENTIALS =
                DefaultCredentialsProvider.builder().build();
    }

    private final String host;
    private final int port;
    private final String user;
    private final RdsUtilities rds;

    /** Called by the driver. */
    public RdsIamAuthentication(Properties connection) {
        this(connection, Defaults.REGION, Defaults.CREDENTIALS);
    }

    RdsIamAuthentication(Properties connection, Region region, AwsCredentialsProvider credentials) {
        this.host = required(connection, "PGHOST");
        this.port = Integer.parseInt(connection.getProperty("PGPORT", "5432").split(",")[0]);
        this.user = required(connection, "user");
        this.rds = RdsUtilities.builder()
                .region(region)
                .credentialsProvider(credentials)
                .build();
    }

    @Override
    public char[] getPassword(AuthenticationRequestType type) {
        return rds.generateAuthenticationToken(
                        request -> request.hostname(host).port(port).username(user))
                .toCharArray();
    }

    private static String required(Properties connection, String name) {
        String value = connection.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("IAM database authentication needs the connection property " + name
                    + " (spring.datasource.url and spring.datasource.username)");
        }
        return value.split(",")[0];
    }
}
