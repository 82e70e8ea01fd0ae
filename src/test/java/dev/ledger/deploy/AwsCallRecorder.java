package dev.ledger.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call made while the tests run, as {@code Service:Operation} with the resource it names and who
 * made it. Registered for every SDK client of the test JVMs through the SDK's global interceptor file
 * ({@code software/amazon/awssdk/global/handlers/execution.interceptors} on the test class path), so it sees the
 * application's clients exactly as built by its own configuration: SQS, DynamoDB and CloudWatch alike.
 *
 * <p>A call is the application's unless the nearest {@code dev.ledger} frame on the calling stack is a test class
 * (a fixture creating a queue, a test reading the table to check a result). Calls made from library threads (the SQS
 * listener container, the CloudWatch publisher) have no {@code dev.ledger} frame and are the application's.
 *
 * <p>Each distinct line is appended once per JVM to {@code target/aws-calls/<pid>.tsv}:
 * {@code origin<TAB>Service:Operation<TAB>resource<TAB>caller}. {@link TaskRolePermissionsIT} reads them after the
 * unit and integration tests of {@code ./mvnw verify} have run.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {

    static final Path DIRECTORY = Path.of("target", "aws-calls");

    /** The benchmark's consumer processes run with {@code -Dbench.aws-accounting=true}: nothing is recorded. */
    private static final boolean BENCHMARK = Boolean.getBoolean("bench.aws-accounting");

    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();
    private static final StackWalker STACK = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (BENCHMARK) {
            return; // a benchmark's consumer process: its CPU is measured, and its calls are not the suite's
        }
        String operation = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Optional<Class<?>> caller = STACK.walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(type -> type.getName().startsWith("dev.ledger.") && type != AwsCallRecorder.class)
                .findFirst());
        String origin = caller.map(AwsCallRecorder::isTestClass).orElse(false) ? "test" : "app";
        String line = String.join(
                "\t",
                origin,
                operation,
                resource(context.request()),
                caller.map(Class::getName).orElse("-"));
        if (SEEN.add(line)) {
            append(line);
        }
    }

    /** The queue URL or name, or the table name(s), a request names, or {@code -}. */
    static String resource(SdkRequest request) {
        Optional<String> queue = request.getValueForField("QueueUrl", String.class);
        if (queue.isPresent()) {
            return queue.get();
        }
        Optional<String> queueName = request.getValueForField("QueueName", String.class);
        if (queueName.isPresent()) {
            return queueName.get();
        }
        Optional<String> table = request.getValueForField("TableName", String.class);
        if (table.isPresent()) {
            return table.get();
        }
        return request.getValueForField("RequestItems", Map.class)
                .map(items -> String.join(
                        ",",
                        ((Map<?, ?>) items)
                                .keySet().stream().map(String::valueOf).sorted().toList()))
                .orElse("-");
    }

    private static boolean isTestClass(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source != null
                && source.getLocation() != null
                && source.getLocation().toString().contains("/test-classes/");
    }

    private static synchronized void append(String line) {
        try {
            Files.createDirectories(DIRECTORY);
            Files.writeString(
                    DIRECTORY.resolve(ProcessHandle.current().pid() + ".tsv"),
                    line + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record an AWS call in " + DIRECTORY, e);
        }
    }
}
