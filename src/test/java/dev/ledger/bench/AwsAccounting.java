package dev.ledger.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Counts the AWS requests of a process and the DynamoDB capacity units they consumed, for the benchmark's capacity
 * figures (issue 18). The SDK loads it into every client of every test JVM from
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}, but it does nothing unless the JVM runs with
 * {@code -Dbench.aws-accounting=true}: the benchmark starts the ledger and its anchors that way. Then it asks DynamoDB
 * for {@code ReturnConsumedCapacity=TOTAL} on item operations (dynalite computes the units as DynamoDB does) and counts
 * into Micrometer's global registry, which the processes publish: {@code bench_aws_requests_total{service,operation}}
 * and {@code bench_aws_capacity_units_total{operation}}.
 */
public final class AwsAccounting implements ExecutionInterceptor {

    static final String PROPERTY = "bench.aws-accounting";
    private static final boolean ENABLED = Boolean.getBoolean(PROPERTY);
    private static final Map<String, Counter> COUNTERS = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (ENABLED) {
            String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            counter("bench.aws.requests", "service", service, "operation", operation)
                    .increment();
        }
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        if (!ENABLED) {
            return request;
        }
        if (request instanceof UpdateItemRequest update) {
            return update.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build();
        }
        if (request instanceof PutItemRequest put) {
            return put.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build();
        }
        if (request instanceof GetItemRequest get) {
            return get.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build();
        }
        if (request instanceof BatchGetItemRequest get) {
            return get.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build();
        }
        if (request instanceof BatchWriteItemRequest write) {
            return write.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build();
        }
        return request;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (!ENABLED) {
            return;
        }
        SdkResponse response = context.response();
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        double units = 0;
        if (response instanceof UpdateItemResponse update) {
            units = units(update.consumedCapacity());
        } else if (response instanceof PutItemResponse put) {
            units = units(put.consumedCapacity());
        } else if (response instanceof GetItemResponse get) {
            units = units(get.consumedCapacity());
        } else if (response instanceof BatchGetItemResponse get && get.hasConsumedCapacity()) {
            units = get.consumedCapacity().stream()
                    .mapToDouble(AwsAccounting::units)
                    .sum();
        } else if (response instanceof BatchWriteItemResponse write && write.hasConsumedCapacity()) {
            units = write.consumedCapacity().stream()
                    .mapToDouble(AwsAccounting::units)
                    .sum();
        }
        if (units > 0) {
            counter("bench.aws.capacity.units", "operation", operation, "kind", kind(operation))
                    .increment(units);
        }
    }

    private static String kind(String operation) {
        return operation.startsWith("Get") || operation.startsWith("BatchGet") ? "read" : "write";
    }

    private static double units(ConsumedCapacity capacity) {
        return capacity == null || capacity.capacityUnits() == null ? 0 : capacity.capacityUnits();
    }

    private static Counter counter(String name, String... tags) {
        return COUNTERS.computeIfAbsent(
                name + String.join(",", tags),
                key -> Counter.builder(name).tags(tags).register(Metrics.globalRegistry));
    }
}
