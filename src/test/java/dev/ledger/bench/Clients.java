package dev.ledger.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The benchmark's own AWS clients, talking to the same emulators as the application (ElasticMQ, dynalite) over the
 * wire, like a producer or the seed's Lambda would. Synchronous, with the Apache HTTP client named explicitly.
 */
final class Clients {

    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private Clients() {}

    static SqsClient sqs(String endpoint) {
        return SqsClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64))
                .build();
    }

    static DynamoDbClient dynamo(String endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64))
                .build();
    }

    /** Creates a plain queue (no redrive) for the benchmark's own consumers; an existing one is returned as is. */
    static String createQueue(SqsClient sqs, String name, Duration visibilityTimeout) {
        return sqs.createQueue(r -> r.queueName(name)
                        .attributes(Map.of(
                                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()))))
                .queueUrl();
    }

    /** Messages in the queue, visible or in flight (approximate, as SQS reports them). */
    static long depth(SqsClient sqs, String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"))
                + Long.parseLong(
                        attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }

    /** Waits until the queue holds no message (deletes of acknowledged messages may lag by a second); @return depth */
    static long awaitEmpty(SqsClient sqs, String queueUrl, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long depth = depth(sqs, queueUrl);
        while (depth > 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            depth = depth(sqs, queueUrl);
        }
        return depth;
    }
}
