package dev.ledger.intake;

import dev.ledger.LedgerSettings;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** Names and URLs of the usage queue and its DLQ, from configuration or the seed's naming pattern. */
@Component
public class Queues {

    private final SqsAsyncClient sqs;
    private final String queue;
    private final String deadLetterQueue;
    private final ConcurrentMap<String, String> urls = new ConcurrentHashMap<>();

    Queues(SqsAsyncClient sqs, SqsSettings settings, LedgerSettings ledger) {
        this.sqs = sqs;
        this.queue = blankToNull(settings.queue()) != null ? settings.queue()
                : ledger.resourceName("usage-event-queue");
        this.deadLetterQueue = blankToNull(settings.deadLetterQueue()) != null ? settings.deadLetterQueue()
                : ledger.resourceName("usage-event-dlq");
    }

    /** The usage queue as configured: a name or a URL. */
    public String queue() {
        return queue;
    }

    /** The DLQ as configured: a name or a URL. */
    public String deadLetterQueue() {
        return deadLetterQueue;
    }

    public String queueUrl() {
        return url(queue);
    }

    public String deadLetterQueueUrl() {
        return url(deadLetterQueue);
    }

    static String nameOf(String nameOrUrl) {
        return nameOrUrl.contains("/") ? nameOrUrl.substring(nameOrUrl.lastIndexOf('/') + 1) : nameOrUrl;
    }

    private String url(String nameOrUrl) {
        if (nameOrUrl.startsWith("http://") || nameOrUrl.startsWith("https://")) {
            return nameOrUrl;
        }
        return urls.computeIfAbsent(nameOrUrl, name -> sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
