package dev.ledger.intake;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** Names and URLs of the usage queue and its DLQ, as configured (required settings: no default names). */
@Component
public class Queues {

    private final SqsAsyncClient sqs;
    private final String queue;
    private final String deadLetterQueue;
    private final ConcurrentMap<String, String> urls = new ConcurrentHashMap<>();

    Queues(SqsAsyncClient sqs, SqsSettings settings) {
        this.sqs = sqs;
        this.queue = settings.queue();
        this.deadLetterQueue = settings.deadLetterQueue();
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
        return urls.computeIfAbsent(
                nameOrUrl,
                name -> sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl());
    }
}
