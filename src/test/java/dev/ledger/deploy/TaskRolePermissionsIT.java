package dev.ledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.intake.SqsSettings;
import dev.ledger.projection.dynamodb.DynamoDbSettings;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The worker's task role ({@code data.aws_iam_policy_document.worker_task} in {@code infra/.../iam.tf}, read with the
 * HCL parser) against the AWS operations the application really called during the tests of the same
 * {@code ./mvnw verify} ({@link AwsCallRecorder}; this class runs in the integration-test phase, after them).
 *
 * <ul>
 *   <li>every operation the application called on the stack's queues, table or CloudWatch is granted on exactly that
 *       resource;</li>
 *   <li>every granted action was called on its resource, unless it is listed in {@link #NOT_AN_SDK_CALL} with the
 *       reason the tests cannot see it;</li>
 *   <li>{@code *} is granted only for actions that have no resource-level permissions.</li>
 * </ul>
 *
 * <p>Run it through {@code ./mvnw verify} (or after a full {@code ./mvnw test}): with a subset of the tests many
 * operations are simply not called. Old recordings stay in {@code target/aws-calls} until {@code ./mvnw clean}.
 */
class TaskRolePermissionsIT {

    private static final Path IAM = TerraformTest.SERVICE.resolve("iam.tf");

    /** What the policy grants on: the Terraform reference in a statement's resources, and its local test name. */
    enum Resource {
        USAGE_QUEUE("${module.usage_event_queue.queue_arn}"),
        DEAD_LETTER_QUEUE("${module.usage_event_queue.dlq_arn}"),
        ENTITLEMENTS_TABLE("${module.entitlements_table.table_arn}"),
        DATABASE_USER(null),
        ANY("*");

        private final String reference;

        Resource(String reference) {
            this.reference = reference;
        }

        static Resource granted(String resource) {
            for (Resource candidate : values()) {
                if (resource.equals(candidate.reference)) {
                    return candidate;
                }
            }
            if (resource.contains(":rds-db:") && resource.contains(":dbuser:")) {
                return DATABASE_USER;
            }
            throw new AssertionError("the task role grants on an unknown resource: " + resource);
        }

        /**
         * The resource a recorded call named. The tests' stacks are named like deployed ones,
         * {@code ledger-<environment>-usage-event-queue} / {@code -usage-event-dlq} / {@code -entitlements}, with an
         * environment per test instance; queues by URL or by name.
         */
        static Resource called(String operation, String resource) {
            if (resource.endsWith("-usage-event-queue")) {
                return USAGE_QUEUE;
            }
            if (resource.endsWith("-usage-event-dlq")) {
                return DEAD_LETTER_QUEUE;
            }
            if (resource.startsWith("ledger-") && resource.endsWith("-entitlements")) {
                return ENTITLEMENTS_TABLE;
            }
            if (operation.equals("cloudwatch:PutMetricData")) {
                return ANY;
            }
            return null;
        }
    }

    /** Actions with no resource-level permissions in IAM: the only ones that may be granted on {@code *}. */
    private static final Set<String> WITHOUT_RESOURCE_LEVEL_PERMISSIONS = Set.of("cloudwatch:PutMetricData");

    /** Granted actions the tests cannot record, and why. */
    private static final Map<String, String> NOT_AN_SDK_CALL = Map.of(
            "rds-db:connect",
            "the JDBC driver's authentication plugin signs an IAM token locally (RdsUtilities); "
                    + "the database, not an AWS API, checks it, so no SDK call is made (adr/0019)");

    /** SDK operations authorised by another action (AWS's batch APIs are authorised per entry). */
    private static final Map<String, String> AUTHORISED_AS = Map.of(
            "sqs:DeleteMessageBatch", "sqs:DeleteMessage",
            "sqs:SendMessageBatch", "sqs:SendMessage",
            "sqs:ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility");

    /**
     * Calls of the application's own code that happen only in the local run and the tests, where it provisions its
     * emulators: queue creation (ledger.sqs.create-queues) and table creation (ledger.dynamodb.create-table). Both
     * settings default to false and only the local profile turns them on
     * ({@link #provisioning_is_on_only_in_the_local_profile}); in AWS Terraform owns queues and table.
     */
    static boolean localOnly(String operation, String caller) {
        return caller.equals("dev.ledger.intake.QueueProvisioner") || operation.equals("dynamodb:CreateTable");
    }

    private static Map<Resource, Set<String>> granted;
    private static Map<Resource, Set<String>> called;
    private static Set<String> calledElsewhere;

    @BeforeAll
    static void readPolicyAndCalls() throws IOException, InterruptedException {
        granted = new TreeMap<>();
        JsonNode iam = TerraformTest.parseHcl(List.of(IAM)).get(TerraformTest.relative(IAM));
        JsonNode document = iam.at("/data/aws_iam_policy_document/worker_task/0");
        assertThat(document.isObject())
                .as("data.aws_iam_policy_document.worker_task in %s", IAM)
                .isTrue();
        assertThat(document.has("dynamic"))
                .as("no dynamic statements: the test reads literal ones")
                .isFalse();
        for (JsonNode statement : document.path("statement")) {
            assertThat(statement.path("effect").asText("Allow")).isEqualTo("Allow");
            assertThat(statement.has("not_actions") || statement.has("not_resources"))
                    .isFalse();
            for (JsonNode resource : statement.path("resources")) {
                for (JsonNode action : statement.path("actions")) {
                    granted.computeIfAbsent(Resource.granted(resource.asText()), r -> new TreeSet<>())
                            .add(action.asText());
                }
            }
        }

        called = new TreeMap<>();
        calledElsewhere = new TreeSet<>();
        List<String> lines = new ArrayList<>();
        assertThat(AwsCallRecorder.DIRECTORY)
                .as("AWS calls recorded by the tests of this build")
                .isDirectory();
        try (Stream<Path> files = Files.list(AwsCallRecorder.DIRECTORY)) {
            for (Path file :
                    files.filter(path -> path.toString().endsWith(".tsv")).toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        for (String line : lines) {
            String[] fields = line.split("\t", -1);
            if (!fields[0].equals("app")) {
                continue;
            }
            String operation = iamAction(fields[1]);
            if (localOnly(operation, fields[3])) {
                continue;
            }
            Resource resource = Resource.called(operation, fields[2]);
            if (resource == null) {
                calledElsewhere.add(operation + " on " + fields[2] + " by " + fields[3]);
            } else {
                called.computeIfAbsent(resource, r -> new TreeSet<>()).add(operation);
            }
        }
    }

    /** {@code Sqs:DeleteMessageBatch} as the IAM action that authorises it, {@code sqs:DeleteMessage}. */
    static String iamAction(String sdkOperation) {
        String[] parts = sdkOperation.split(":", 2);
        String action = parts[0].toLowerCase() + ":" + parts[1];
        return AUTHORISED_AS.getOrDefault(action, action);
    }

    @Test
    void every_operation_the_application_calls_is_granted_on_its_resource() {
        assertThat(called)
                .as("the tests called the queues, the table and CloudWatch")
                .containsKeys(
                        Resource.USAGE_QUEUE, Resource.DEAD_LETTER_QUEUE, Resource.ENTITLEMENTS_TABLE, Resource.ANY);
        called.forEach((resource, operations) -> assertThat(granted.getOrDefault(resource, Set.of()))
                .as("actions granted on %s (%s)", resource, IAM)
                .containsAll(operations));
    }

    @Test
    void the_application_calls_aws_only_on_the_stacks_resources_and_the_import_source() {
        // The import reads a table the operator names; the README tells them to grant these two on it.
        assertThat(calledElsewhere)
                .as("calls on resources the task role cannot name")
                .allMatch(
                        call -> call.startsWith("dynamodb:DescribeTable on ") || call.startsWith("dynamodb:Scan on "));
    }

    @Test
    void every_granted_action_is_called_or_listed_with_its_reason() {
        granted.forEach((resource, actions) -> {
            Set<String> uncalled = new TreeSet<>(actions);
            uncalled.removeAll(called.getOrDefault(resource, Set.of()));
            uncalled.removeAll(NOT_AN_SDK_CALL.keySet());
            assertThat(uncalled)
                    .as("granted on %s but never called by the application in the tests", resource)
                    .isEmpty();
        });
        assertThat(granted.values().stream().flatMap(Set::stream))
                .as("every listed exception is still granted")
                .containsAll(NOT_AN_SDK_CALL.keySet());
    }

    @Test
    void provisioning_is_on_only_in_the_local_profile() throws IOException {
        Properties main = new Properties();
        for (String file : List.of("application.properties", "application-aws.properties")) {
            try (InputStream in = Files.newInputStream(
                    TerraformTest.ROOT.resolve("src/main/resources").resolve(file))) {
                main.load(in);
            }
        }
        assertThat(main)
                .as("no production configuration turns provisioning on")
                .doesNotContainKeys("ledger.sqs.create-queues", "ledger.dynamodb.create-table");
        assertThat(defaultOf(SqsSettings.class, "createQueues")).isEqualTo("false");
        assertThat(defaultOf(DynamoDbSettings.class, "createTable")).isEqualTo("false");
    }

    /** The {@code @DefaultValue} of a component of a settings record (its canonical constructor's parameter). */
    private static String defaultOf(Class<? extends Record> settings, String component) {
        RecordComponent[] components = settings.getRecordComponents();
        Class<?>[] types =
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Parameter[] parameters = settings.getDeclaredConstructor(types).getParameters();
            for (int i = 0; i < components.length; i++) {
                if (components[i].getName().equals(component)) {
                    DefaultValue value = parameters[i].getAnnotation(DefaultValue.class);
                    return value == null ? null : String.join(",", value.value());
                }
            }
        } catch (NoSuchMethodException e) {
            throw new AssertionError(settings + " has no canonical constructor", e);
        }
        throw new AssertionError("no component " + component + " in " + settings);
    }

    @Test
    void only_actions_without_resource_level_permissions_are_granted_on_every_resource() {
        assertThat(granted.getOrDefault(Resource.ANY, Set.of())).isSubsetOf(WITHOUT_RESOURCE_LEVEL_PERMISSIONS);
    }
}
