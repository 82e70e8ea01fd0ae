package dev.ledger.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** One ElasticMQ server per test JVM on a free port; each application context uses its own queue names on it. */
public final class TestSqs {

    private static SQSRestServer server;
    private static int port;

    private TestSqs() {}

    public static synchronized String endpoint() {
        if (server == null) {
            port = freePort();
            server = SQSRestServerBuilder.withInterface("127.0.0.1")
                    .withPort(port)
                    .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
                    .withAWSRegion("us-east-1")
                    .start();
            server.waitUntilStarted();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndWait));
        }
        return "http://127.0.0.1:" + port;
    }

    /** Properties that point an application at the test server instead of starting its own ElasticMQ. */
    public static Map<String, String> springProperties() {
        // A 1 s long poll instead of 10 s: stopping a listener waits for its poll in flight, and the tests stop many.
        return Map.of(
                "spring.cloud.aws.sqs.endpoint",
                endpoint(),
                "ledger.local.sqs-enabled",
                "false",
                "ledger.sqs.poll-timeout",
                "1s");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
