package dev.ledger.support;

import dev.ledger.local.LocalDynamoDb;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

/**
 * dynalite for tests, from the copy the build installed in {@code target/dynalite}: one shared in-memory server per
 * JVM (each application context uses its own table name on it), or a dedicated one a test can stop and start.
 */
public final class TestDynamoDb {

    private static LocalDynamoDb shared;

    private TestDynamoDb() {}

    public static synchronized String endpoint() {
        if (shared == null) {
            shared = start(freePort(), null);
            LocalDynamoDb server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return "http://127.0.0.1:" + shared.port();
    }

    /** A dedicated dynalite; with {@code dataPath} its tables survive a stop and start on the same port. */
    public static LocalDynamoDb start(int port, Path dataPath) {
        return LocalDynamoDb.start("node", Path.of("target", "dynalite"), "127.0.0.1", port, dataPath);
    }

    public static Map<String, String> springProperties() {
        return springProperties(endpoint());
    }

    public static Map<String, String> springProperties(String endpoint) {
        return Map.of("spring.cloud.aws.dynamodb.endpoint", endpoint, "ledger.local.dynamodb-enabled", "false");
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
