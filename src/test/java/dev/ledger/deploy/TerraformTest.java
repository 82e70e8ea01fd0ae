package dev.ledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.core.env.PropertySourcesPropertyResolver;

/**
 * The Terraform under {@code infra/}, read with a real HCL parser (HashiCorp's, compiled to WebAssembly, in the npm
 * package {@code @cdktf/hcl2json}; the build installs it into {@code target/hcl} with {@code npm ci}), checked
 * against the seed's producer contract, the application's configuration and least privilege.
 */
class TerraformTest {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path INFRA = ROOT.resolve("infra");
    static final Path SERVICE = INFRA.resolve("services/usage-event-service");
    static final Path PARSER = ROOT.resolve("target/hcl/parse.js");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JSONENCODE = Pattern.compile("^\\$\\{jsonencode\\((.*)\\)}$", Pattern.DOTALL);

    private static final Pattern LOCAL_REFERENCE = Pattern.compile("\\$\\{local\\.([A-Za-z0-9_]+)}");

    /** Parsed configuration by path relative to the project root ({@code infra/services/.../main.tf}). */
    private static Map<String, JsonNode> parsed;

    @BeforeAll
    static void parseInfrastructure() throws IOException, InterruptedException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(INFRA)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(path -> !path.toString().contains("/.terraform/"))
                    .filter(path -> path.getFileName()
                            .toString()
                            .matches(".*\\.(tf|tftest\\.hcl|hcl\\.example|tfvars\\.example)"))
                    .sorted()
                    .toList();
        }
        JsonNode result = parseHcl(files);
        parsed = new TreeMap<>();
        result.properties().forEach(entry -> parsed.put(entry.getKey(), entry.getValue()));
    }

    @Test
    void every_terraform_file_under_infra_parses_with_the_hcl_parser() throws IOException {
        List<String> terraformFiles;
        try (Stream<Path> walk = Files.walk(INFRA)) {
            terraformFiles = walk.filter(path -> path.toString().endsWith(".tf"))
                    .map(TerraformTest::relative)
                    .sorted()
                    .toList();
        }
        assertThat(terraformFiles).hasSizeGreaterThanOrEqualTo(20);
        assertThat(parsed.keySet()).containsAll(terraformFiles);
        terraformFiles.forEach(
                file -> assertThat(parsed.get(file).isObject()).as(file).isTrue());
        assertThat(blocks(SERVICE, "module"))
                .extracting(Block::name)
                .contains("usage_event_queue", "entitlements_table", "worker");
    }

    // ---- the seed's producer contract -----------------------------------------------------------------------------

    @Test
    void the_outputs_producers_read_exist_and_name_the_queue() {
        Map<String, JsonNode> outputs = new LinkedHashMap<>();
        blocks(SERVICE, "output").forEach(output -> outputs.put(output.name(), output.body()));
        assertThat(outputs)
                .containsKeys(
                        "usage_event_queue_url",
                        "usage_event_queue_arn",
                        "usage_event_dlq_url",
                        "producer_policy_json");
        assertThat(outputs.get("usage_event_queue_url").path("value").asText())
                .isEqualTo("${module.usage_event_queue.queue_url}");
        assertThat(outputs.get("usage_event_queue_arn").path("value").asText())
                .isEqualTo("${module.usage_event_queue.queue_arn}");
        assertThat(outputs.get("usage_event_dlq_url").path("value").asText())
                .isEqualTo("${module.usage_event_queue.dlq_url}");

        // The seed's producer policy: Allow sqs:SendMessage on the queue ARN, nothing else.
        String policy = outputs.get("producer_policy_json").path("value").asText();
        Matcher document = Pattern.compile("^\\$\\{data\\.aws_iam_policy_document\\.([a-z0-9_]+)\\.json}$")
                .matcher(policy);
        assertThat(document.matches())
                .as("producer_policy_json is a policy document: %s", policy)
                .isTrue();
        Block producer = one(blocks(SERVICE, "data", "aws_iam_policy_document"), document.group(1));
        List<Statement> statements = Statement.of(producer);
        assertThat(statements).hasSize(1);
        assertThat(statements.get(0).effect()).isEqualTo("Allow");
        assertThat(statements.get(0).actions()).containsExactly("sqs:SendMessage");
        assertThat(statements.get(0).resources()).containsExactly("${module.usage_event_queue.queue_arn}");
    }

    @Test
    void queue_and_table_names_follow_the_project_environment_pattern_of_the_application() throws IOException {
        Map<String, JsonNode> locals = locals(SERVICE);
        Block queues = one(blocks(SERVICE, "module"), "usage_event_queue");
        Block table = one(blocks(SERVICE, "module"), "entitlements_table");
        assertThat(queues.body().path("source").asText()).isEqualTo("../../modules/sqs-queue-with-dlq");
        assertThat(table.body().path("source").asText()).isEqualTo("../../modules/entitlements-table");

        String queueName = resolveLocals(queues.body().path("queue_name").asText(), locals);
        String dlqName = resolveLocals(queues.body().path("dlq_name").asText(), locals);
        String tableName = resolveLocals(table.body().path("table_name").asText(), locals);
        assertThat(queueName).isEqualTo("${var.project_name}-${var.environment}-usage-event-queue");
        assertThat(dlqName).isEqualTo("${var.project_name}-${var.environment}-usage-event-dlq");
        assertThat(tableName).isEqualTo("${var.project_name}-${var.environment}-entitlements");

        // The local profile derives the same names from ledger.project-name and ledger.environment; a deployment is
        // given them (the task's environment), the production configuration has no default name (adr/0016).
        assertThat(DockerComposeTest.applicationProperties("application.properties")
                        .getProperty("ledger.sqs.queue"))
                .isEqualTo("${USAGE_EVENT_QUEUE_URL:}");
        PropertySourcesPropertyResolver application = localNames("P", "E");
        assertThat(application.getProperty("ledger.sqs.queue")).isEqualTo(asNamed(queueName, "P", "E"));
        assertThat(application.getProperty("ledger.sqs.dead-letter-queue")).isEqualTo(asNamed(dlqName, "P", "E"));
        assertThat(application.getProperty("ledger.dynamodb.table")).isEqualTo(asNamed(tableName, "P", "E"));

        // The modules use those names and the table's key schema is the README's contract.
        Block main = one(blocks(INFRA.resolve("modules/sqs-queue-with-dlq"), "resource", "aws_sqs_queue"), "main");
        Block dlq = one(blocks(INFRA.resolve("modules/sqs-queue-with-dlq"), "resource", "aws_sqs_queue"), "dlq");
        assertThat(main.body().path("name").asText()).isEqualTo("${var.queue_name}");
        assertThat(dlq.body().path("name").asText()).isEqualTo("${var.dlq_name}");
        assertThat(main.body().path("redrive_policy").asText())
                .contains("aws_sqs_queue.dlq.arn")
                .contains("var.max_receive_count");
        Block dynamoDb =
                one(blocks(INFRA.resolve("modules/entitlements-table"), "resource", "aws_dynamodb_table"), "this");
        assertThat(dynamoDb.body().path("name").asText()).isEqualTo("${var.table_name}");
        assertThat(dynamoDb.body().path("hash_key").asText()).isEqualTo("userId");
        assertThat(dynamoDb.body().path("range_key").asText()).isEqualTo("entitlementKey");
        assertThat(dynamoDb.body().path("billing_mode").asText()).isEqualTo("PAY_PER_REQUEST");
        Map<String, String> attributes = new TreeMap<>();
        objects(dynamoDb.body().path("attribute"))
                .forEach(attribute -> attributes.put(
                        attribute.path("name").asText(), attribute.path("type").asText()));
        assertThat(attributes).containsExactlyInAnyOrderEntriesOf(Map.of("userId", "S", "entitlementKey", "S"));
    }

    @Test
    void the_state_lives_where_producers_look_for_it() throws IOException {
        JsonNode backendTf = file(SERVICE.resolve("backend.tf"));
        assertThat(objects(backendTf.path("terraform")))
                .anySatisfy(terraform -> assertThat(
                                objects(terraform.path("backend").path("s3")))
                        .as("backend \"s3\" {}")
                        .hasSize(1));

        JsonNode example = file(SERVICE.resolve("backend.hcl.example"));
        JsonNode tfvars = file(SERVICE.resolve("terraform.tfvars.example"));
        String project = tfvars.path("project_name").asText();
        String environment = tfvars.path("environment").asText();
        assertThat(project).isNotEmpty();
        assertThat(environment).isNotEmpty();
        assertThat(example.path("bucket").asText())
                .isEqualTo(project + "-" + environment + "-usage-event-service-state");
        assertThat(example.path("key").asText()).isEqualTo("tf-infra/" + environment + ".tfstate");
        assertThat(example.path("region").asText()).isEqualTo("us-east-1");

        String documented = Files.readString(SERVICE.resolve("backend.hcl.example"));
        assertThat(documented)
                .contains("<project_name>-<environment>-usage-event-service-state")
                .contains("tf-infra/<environment>.tfstate");
        assertThat(Files.readString(INFRA.resolve("README.md")))
                .contains("bucket = \"${var.project_name}-${var.environment}-usage-event-service-state\"")
                .contains("key    = \"tf-infra/${var.environment}.tfstate\"");
    }

    // ---- operations -----------------------------------------------------------------------------------------------

    @Test
    void the_operational_alarms_exist_and_business_rejections_do_not_trip_them() throws IOException {
        List<Block> alarms = blocks(SERVICE, "resource", "aws_cloudwatch_metric_alarm");
        Map<String, JsonNode> locals = locals(SERVICE);

        // Rejected messages wait on the DLQ by design (adr/0018): no alarm on its mere depth.
        assertThat(alarms).as("no DLQ-not-empty alarm").noneSatisfy(alarm -> {
            assertThat(alarm.body().path("metric_name").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
            assertThat(alarm.body().path("dimensions").path("QueueName").asText())
                    .isEqualTo("${module.usage_event_queue.dlq_name}");
        });
        assertThat(alarms)
                .as("age of the oldest message, above the rejection retry span")
                .anySatisfy(alarm -> {
                    assertThat(alarm.body().path("namespace").asText()).isEqualTo("AWS/SQS");
                    assertThat(alarm.body().path("metric_name").asText()).isEqualTo("ApproximateAgeOfOldestMessage");
                    assertThat(alarm.body().path("dimensions").path("QueueName").asText())
                            .isEqualTo("${module.usage_event_queue.queue_name}");
                    assertThat(resolveLocals(alarm.body().path("threshold").asText(), locals))
                            .contains("local.rejection_retry_span_seconds")
                            .contains("var.oldest_message_age_alarm_margin_seconds");
                });
        assertThat(locals.get("rejection_retry_span_seconds").asText())
                .isEqualTo("${min(var.max_receive_count, 3) * local.visibility_timeout_seconds}");
        for (String kind : List.of("invalid", "rejected")) {
            assertThat(alarms).as("dead letters of kind %s", kind).anySatisfy(alarm -> {
                assertThat(alarm.body().path("namespace").asText()).isEqualTo("Ledger");
                assertThat(alarm.body().path("metric_name").asText()).isEqualTo("ledger.intake.dead.lettered.count");
                assertThat(textMap(alarm.body().path("dimensions"))).containsExactly(Map.entry("kind", kind));
                assertThat(alarm.body().path("statistic").asText()).isEqualTo("Sum");
            });
        }
        assertThat(alarms).as("dead letters nobody triaged").anySatisfy(alarm -> {
            assertThat(alarm.body().path("metric_name").asText()).isEqualTo("ApproximateAgeOfOldestMessage");
            assertThat(alarm.body().path("dimensions").path("QueueName").asText())
                    .isEqualTo("${module.usage_event_queue.dlq_name}");
        });
        assertThat(alarms)
                .as("projection lag: Micrometer publishes a gauge as <name>.value")
                .anySatisfy(alarm -> {
                    assertThat(alarm.body().path("namespace").asText()).isEqualTo("Ledger");
                    assertThat(alarm.body().path("metric_name").asText())
                            .isEqualTo("ledger.projection.lag.events.value");
                    assertThat(textMap(alarm.body().path("dimensions")))
                            .containsExactly(Map.entry("processor", "entitlement-table"));
                    assertThat(alarm.body().path("comparison_operator").asText())
                            .isEqualTo("GreaterThanThreshold");
                    assertThat(alarm.body().path("treat_missing_data").asText()).isNotEqualTo("notBreaching");
                });
        assertThat(alarms).as("no running tasks").anySatisfy(alarm -> {
            assertThat(alarm.body().path("namespace").asText()).isEqualTo("ECS/ContainerInsights");
            assertThat(alarm.body().path("metric_name").asText()).isEqualTo("RunningTaskCount");
            assertThat(alarm.body().path("comparison_operator").asText()).isEqualTo("LessThanThreshold");
            assertThat(alarm.body().path("threshold").asInt(-1)).isEqualTo(1);
            assertThat(alarm.body().path("treat_missing_data").asText()).isEqualTo("breaching");
        });
        assertThat(alarms)
                .extracting(alarm -> alarm.body().path("namespace").asText() + " "
                        + alarm.body().path("metric_name").asText())
                .contains(
                        "AWS/ECS CPUUtilization",
                        "AWS/ECS MemoryUtilization",
                        "AWS/RDS CPUUtilization",
                        "AWS/RDS FreeStorageSpace",
                        "AWS/RDS DatabaseConnections",
                        "AWS/DynamoDB ReadThrottleEvents",
                        "AWS/DynamoDB WriteThrottleEvents",
                        "AWS/ApplicationELB HTTPCode_ELB_5XX_Count",
                        "AWS/ApplicationELB UnHealthyHostCount");

        // Scaling follows visible messages per task, never the age that rejections hold up.
        List<Block> policies = blocks(SERVICE, "resource", "aws_appautoscaling_policy");
        assertThat(policies)
                .extracting(policy -> policy.body().path("policy_type").asText())
                .containsOnly("TargetTrackingScaling");
        String scaling = policies.toString();
        assertThat(scaling)
                .contains("ApproximateNumberOfMessagesVisible")
                .contains("RunningTaskCount")
                .doesNotContain("ApproximateAgeOfOldestMessage");
        // The metrics are the ones the README documents (Prometheus spells them with underscores).
        assertThat(readme()).contains("`ledger_projection_lag_events{processor}`");
    }

    // ---- least privilege ------------------------------------------------------------------------------------------

    @Test
    void no_policy_grants_sqs_or_dynamodb_actions_on_every_resource() throws IOException, InterruptedException {
        assertThat(blocks(INFRA, "data", "aws_iam_policy_document"))
                .as("policy documents found")
                .hasSizeGreaterThan(4);
        assertThat(wildcardGrants(parsed, null)).isEmpty();
    }

    @Test
    void the_least_privilege_check_finds_every_kind_of_wildcard_grant(@TempDir Path directory)
            throws IOException, InterruptedException {
        Path bad = directory.resolve("bad.tf");
        Files.writeString(bad, """
                data "aws_iam_policy_document" "listed" {
                  statement {
                    actions   = ["sqs:*"]
                    resources = ["*"]
                  }
                  statement {
                    effect    = "Deny"
                    actions   = ["sqs:*"]
                    resources = ["*"]
                  }
                  dynamic "statement" {
                    for_each = [1]
                    content {
                      actions   = ["dynamodb:*"]
                      resources = ["*"]
                    }
                  }
                }
                resource "aws_iam_role_policy" "encoded" {
                  role   = "r"
                  policy = jsonencode({
                    Version   = "2012-10-17"
                    Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = "*" }]
                  })
                }
                resource "aws_iam_policy" "heredoc" {
                  policy = <<EOT
                {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:*", "Resource": ["*"]}}
                EOT
                }
                resource "aws_iam_role_policy_attachment" "managed" {
                  role       = "r"
                  policy_arn = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
                }
                data "aws_iam_policy_document" "scoped" {
                  statement {
                    actions   = ["sqs:SendMessage"]
                    resources = [aws_sqs_queue.main.arn]
                  }
                  statement {
                    actions   = ["cloudwatch:PutMetricData"]
                    resources = ["*"]
                  }
                }
                """);
        JsonNode result = parseHcl(List.of(bad));
        Map<String, JsonNode> files = Map.of(relative(bad), result.path(relative(bad)));

        List<String> grants = wildcardGrants(files, directory);
        assertThat(grants).hasSize(5);
        assertThat(String.join("\n", grants))
                .contains(
                        "aws_iam_policy_document.listed",
                        "sqs:*",
                        "dynamodb:*",
                        "aws_iam_role_policy.encoded",
                        "aws_iam_policy.heredoc",
                        "AmazonDynamoDBFullAccess")
                .doesNotContain("scoped");
    }

    // ---- the ECS task ---------------------------------------------------------------------------------------------

    @Test
    void the_ledger_gets_no_database_password_and_only_the_bootstrap_container_reads_the_admin_secret() {
        Map<String, JsonNode> locals = locals(SERVICE);
        Block worker = one(blocks(SERVICE, "module"), "worker");
        assertThat(worker.body().path("source").asText()).isEqualTo("../../modules/ecs-worker");
        Map<String, String> environment = textMap(resolveLocal(worker.body().path("environment"), locals));
        Map<String, String> secrets = textMap(resolveLocal(worker.body().path("secrets"), locals));

        // The ledger logs in with an IAM token (adr/0019): its only secret is the API tokens.
        assertThat(secrets).containsOnlyKeys("LEDGER_SECURITY_TOKENS_JSON");
        assertThat(secrets.get("LEDGER_SECURITY_TOKENS_JSON")).isEqualTo("${var.api_tokens_secret_arn}");
        assertThat(environment.keySet()).noneMatch(name -> name.matches("(?i).*(PASSWORD|SECRET|TOKEN|CREDENTIAL).*"));
        assertThat(environment)
                .containsEntry("SPRING_DATASOURCE_USERNAME", "${var.database_app_username}")
                .containsEntry("LEDGER_DATABASE_AUTHENTICATION", "iam")
                .containsEntry("LEDGER_SQS_MAX_RECEIVE_COUNT", "${tostring(var.max_receive_count)}");

        assertThat(environment)
                .containsEntry("SPRING_PROFILES_ACTIVE", "aws")
                .containsEntry("USAGE_EVENT_QUEUE_URL", "${module.usage_event_queue.queue_url}")
                .containsEntry("LEDGER_SQS_DEAD_LETTER_QUEUE", "${module.usage_event_queue.dlq_url}")
                .containsEntry("LEDGER_DYNAMODB_TABLE", "${module.entitlements_table.table_name}")
                .containsEntry("LEDGER_PROJECT_NAME", "${var.project_name}")
                .containsEntry("LEDGER_ENVIRONMENT", "${var.environment}")
                .containsEntry("SPRING_DATASOURCE_URL", "${local.database_url}");

        // The db-bootstrap init container: the admin credentials as ECS secrets, the same URL.
        JsonNode bootstrap = resolveLocal(worker.body().path("init_container"), locals);
        assertThat(bootstrap.path("name").asText()).isEqualTo("db-bootstrap");
        assertThat(texts(bootstrap.path("command"))).containsExactly("database", "bootstrap");
        Map<String, String> bootstrapSecrets = textMap(bootstrap.path("secrets"));
        assertThat(bootstrapSecrets)
                .containsOnly(
                        Map.entry("LEDGER_DATABASE_ADMIN_USERNAME", "${local.database_admin_secret_arn}:username::"),
                        Map.entry("LEDGER_DATABASE_ADMIN_PASSWORD", "${local.database_admin_secret_arn}:password::"));
        assertThat(textMap(bootstrap.path("environment")))
                .containsOnly(
                        Map.entry("SPRING_DATASOURCE_URL", "${local.database_url}"),
                        Map.entry("LEDGER_DATABASE_APP_USERNAME", "${var.database_app_username}"));

        // In the module, plain variables become `environment` and secrets become `secrets` with valueFrom only.
        Path module = INFRA.resolve("modules/ecs-worker");
        JsonNode container = locals(module).get("container_definition");
        assertThat(container)
                .as("local.container_definition of the ecs-worker module")
                .isNotNull();
        assertThat(container.path("environment").asText())
                .contains("var.environment")
                .doesNotContain("var.secrets");
        assertThat(container.path("secrets").asText())
                .contains("var.secrets")
                .contains("valueFrom")
                .doesNotContain("var.environment");
        assertThat(container.path("dependsOn").asText())
                .contains("var.init_container.name")
                .contains("SUCCESS");
        Block taskDefinition = one(blocks(module, "resource", "aws_ecs_task_definition"), "this");
        assertThat(taskDefinition.body().path("container_definitions").asText())
                .isEqualTo("${jsonencode(concat([local.container_definition], local.init_container_definitions))}");
    }

    @Test
    void every_variable_of_the_ecs_container_binds_to_a_real_property() throws IOException {
        Map<String, JsonNode> locals = locals(SERVICE);
        Block worker = one(blocks(SERVICE, "module"), "worker");
        List<String> variables = new ArrayList<>(
                textMap(resolveLocal(worker.body().path("environment"), locals)).keySet());
        variables.addAll(
                textMap(resolveLocal(worker.body().path("secrets"), locals)).keySet());
        // The db-bootstrap container's variables are read by the `database bootstrap` command itself, which runs
        // without the application context, so they are no Spring properties and are not checked here.

        DockerComposeTest.KnownProperties known = DockerComposeTest.KnownProperties.load();
        Map<String, String> unbound = new TreeMap<>();
        for (String variable : variables) {
            // AWS_REGION is read by the AWS SDK's region provider chain, not by Spring.
            if (!variable.equals("AWS_REGION") && known.bindingOf(variable).isEmpty()) {
                unbound.put(
                        variable,
                        DockerComposeTest.KnownProperties.relaxedName(variable).toString());
            }
        }
        assertThat(unbound).as("container variables that bind to no property").isEmpty();
    }

    @Test
    void the_container_health_check_and_port_match_the_image() throws IOException {
        JsonNode healthCheck =
                one(blocks(SERVICE, "variable"), "health_check_command").body().path("default");
        String command = String.join(" ", texts(healthCheck));
        assertThat(command)
                .startsWith("CMD-SHELL")
                .contains("curl")
                .contains("/actuator/health")
                .contains(":8080/");
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertThat(dockerfile)
                .as("the image installs curl for the health check")
                .containsPattern("apt-get install[^\\n]*\\bcurl\\b");
        assertThat(locals(SERVICE).get("container_port").asInt()).isEqualTo(8080);
        assertThat(dockerfile).containsPattern("(?m)^EXPOSE 8080$");
    }

    // ---- parsing --------------------------------------------------------------------------------------------------

    /** Runs {@code node target/hcl/parse.js <files>} in the project root; one JSON object: path → parsed file. */
    static JsonNode parseHcl(List<Path> files) throws IOException, InterruptedException {
        assertThat(PARSER)
                .as("the HCL parser is installed by the build (npm ci of src/test/hcl into target/hcl, "
                        + "phase generate-test-resources)")
                .exists();
        assertThat(PARSER.resolveSibling("node_modules/@cdktf/hcl2json"))
                .as("npm ci ran in target/hcl")
                .isDirectory();
        List<String> command =
                new ArrayList<>(List.of(System.getProperty("ledger.test.node-executable", "node"), relative(PARSER)));
        files.forEach(file -> command.add(relative(file)));
        Path stderr = Files.createTempFile("hcl-parse", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(ROOT.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            process.getOutputStream().close();
            byte[] stdout = process.getInputStream().readAllBytes();
            assertThat(process.waitFor(2, TimeUnit.MINUTES))
                    .as("the HCL parser finished")
                    .isTrue();
            assertThat(process.exitValue())
                    .as("exit code of %s; stderr: %s", command, Files.readString(stderr))
                    .isZero();
            return JSON.readTree(new String(stdout, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    static String relative(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return (absolute.startsWith(ROOT) ? ROOT.relativize(absolute) : absolute)
                .toString()
                .replace('\\', '/');
    }

    static JsonNode file(Path path) {
        JsonNode file = parsed.get(relative(path));
        assertThat(file).as("parsed %s", relative(path)).isNotNull();
        return file;
    }

    /** A top-level block of the parsed configuration. {@code type} is empty for modules, outputs and variables. */
    record Block(String file, String kind, String type, String name, JsonNode body) {

        String address() {
            return (kind.equals("data") ? "data." : "") + (type.isEmpty() ? kind + "." : type + ".") + name + " ("
                    + file + ")";
        }
    }

    /** Blocks of a kind ("resource", "data", "module", "output", "variable") in the files directly in a directory. */
    static List<Block> blocks(Path directory, String kind) {
        return blocks(parsed, inDirectory(directory), kind, null);
    }

    static List<Block> blocks(Path directory, String kind, String type) {
        return blocks(parsed, inDirectory(directory), kind, type);
    }

    private static Predicate<String> inDirectory(Path directory) {
        String prefix = relative(directory) + "/";
        return file -> file.startsWith(prefix)
                && (directory.equals(INFRA) || !file.substring(prefix.length()).contains("/"));
    }

    static List<Block> blocks(Map<String, JsonNode> files, Predicate<String> fileFilter, String kind, String type) {
        List<Block> blocks = new ArrayList<>();
        files.forEach((file, content) -> {
            if (!fileFilter.test(file)) {
                return;
            }
            boolean typed = kind.equals("resource") || kind.equals("data");
            fields(content.path(kind)).forEach((first, value) -> {
                if (typed) {
                    if (type == null || type.equals(first)) {
                        fields(value)
                                .forEach((name, bodies) -> objects(bodies)
                                        .forEach(body -> blocks.add(new Block(file, kind, first, name, body))));
                    }
                } else {
                    objects(value).forEach(body -> blocks.add(new Block(file, kind, "", first, body)));
                }
            });
        });
        return blocks;
    }

    static Block one(List<Block> blocks, String name) {
        List<Block> named =
                blocks.stream().filter(block -> block.name().equals(name)).toList();
        assertThat(named).as("exactly one block named %s", name).hasSize(1);
        return named.get(0);
    }

    /** The locals of the files directly in a directory, merged. */
    static Map<String, JsonNode> locals(Path directory) {
        Map<String, JsonNode> locals = new LinkedHashMap<>();
        parsed.forEach((file, content) -> {
            if (inDirectory(directory).test(file)) {
                objects(content.path("locals")).forEach(block -> locals.putAll(fields(block)));
            }
        });
        return locals;
    }

    /** Replaces {@code ${local.x}} by the text of local x, as often as locals refer to locals. */
    static String resolveLocals(String text, Map<String, JsonNode> locals) {
        String resolved = text;
        for (int depth = 0; depth < 10; depth++) {
            Matcher matcher = LOCAL_REFERENCE.matcher(resolved);
            StringBuilder next = new StringBuilder();
            boolean replaced = false;
            while (matcher.find()) {
                JsonNode local = locals.get(matcher.group(1));
                String value = local != null && local.isValueNode() ? local.asText() : matcher.group();
                replaced |= !value.equals(matcher.group());
                matcher.appendReplacement(next, Matcher.quoteReplacement(value));
            }
            matcher.appendTail(next);
            resolved = next.toString();
            if (!replaced) {
                break;
            }
        }
        return resolved;
    }

    /** A module argument that is exactly {@code ${local.x}}: the local's value. */
    static JsonNode resolveLocal(JsonNode argument, Map<String, JsonNode> locals) {
        Matcher matcher = LOCAL_REFERENCE.matcher(argument.asText(""));
        if (argument.isTextual() && matcher.matches()) {
            JsonNode local = locals.get(matcher.group(1));
            assertThat(local).as("local.%s", matcher.group(1)).isNotNull();
            return local;
        }
        return argument;
    }

    static Map<String, JsonNode> fields(JsonNode node) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(entry -> fields.put(entry.getKey(), entry.getValue()));
        }
        return fields;
    }

    static Map<String, String> textMap(JsonNode node) {
        assertThat(node.isObject()).as("a map: %s", node).isTrue();
        Map<String, String> map = new TreeMap<>();
        fields(node).forEach((key, value) -> map.put(key, value.asText()));
        return map;
    }

    /** hcl2json turns blocks into arrays of objects; a single object is accepted too. */
    static List<JsonNode> objects(JsonNode node) {
        List<JsonNode> objects = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(element -> {
                if (element.isObject()) {
                    objects.add(element);
                }
            });
        } else if (node != null && node.isObject()) {
            objects.add(node);
        }
        return objects;
    }

    /** A list of strings, or one string (an expression such as {@code ${var.x}}, or a JSON policy's single value). */
    static List<String> texts(JsonNode node) {
        List<String> texts = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(element -> texts.add(element.asText()));
        } else if (node != null && node.isValueNode() && !node.isNull()) {
            texts.add(node.asText());
        }
        return texts;
    }

    private static String readme() throws IOException {
        return Files.readString(ROOT.resolve("README.md"));
    }

    /** The local profile's names with the given project and environment, to compare name patterns. */
    private static PropertySourcesPropertyResolver localNames(String project, String environment) throws IOException {
        MutablePropertySources sources = new MutablePropertySources();
        java.util.Properties local = new java.util.Properties();
        try (java.io.Reader reader = Files.newBufferedReader(DockerComposeTest.LOCAL_PROFILE)) {
            local.load(reader);
        }
        sources.addFirst(new PropertiesPropertySource("application-local.properties", local));
        java.util.Properties identity = new java.util.Properties();
        identity.setProperty("ledger.project-name", project);
        identity.setProperty("ledger.environment", environment);
        sources.addFirst(new PropertiesPropertySource("identity", identity));
        return new PropertySourcesPropertyResolver(sources);
    }

    private static String asNamed(String terraformName, String project, String environment) {
        return terraformName.replace("${var.project_name}", project).replace("${var.environment}", environment);
    }

    // ---- least privilege ------------------------------------------------------------------------------------------

    /** One IAM policy statement, from a policy document block or from JSON. */
    record Statement(
            String where,
            String effect,
            List<String> actions,
            List<String> notActions,
            List<String> resources,
            List<String> notResources) {

        /** The statements of a data "aws_iam_policy_document" block, including dynamic ones. */
        static List<Statement> of(Block document) {
            List<Statement> statements = new ArrayList<>();
            List<JsonNode> bodies = new ArrayList<>(objects(document.body().path("statement")));
            objects(document.body().path("dynamic").path("statement"))
                    .forEach(dynamic -> bodies.addAll(objects(dynamic.path("content"))));
            for (JsonNode body : bodies) {
                statements.add(new Statement(
                        document.address() + " " + body.path("sid").asText(""),
                        body.path("effect").asText("Allow"),
                        texts(body.path("actions")),
                        texts(body.path("not_actions")),
                        texts(body.path("resources")),
                        texts(body.path("not_resources"))));
            }
            return statements;
        }

        /** The statements of a JSON policy ({@code Statement} is an object or a list). */
        static List<Statement> ofJson(String where, JsonNode policy) {
            List<Statement> statements = new ArrayList<>();
            JsonNode statement = policy.path("Statement");
            for (JsonNode body : objects(statement)) {
                statements.add(new Statement(
                        where + " " + body.path("Sid").asText(""),
                        body.path("Effect").asText("Allow"),
                        texts(body.path("Action")),
                        texts(body.path("NotAction")),
                        texts(body.path("Resource")),
                        texts(body.path("NotResource"))));
            }
            return statements;
        }

        /** Allows an SQS or DynamoDB action (or every action) on every resource ("*", or NotResource). */
        boolean grantsQueueOrTableActionsOnEveryResource() {
            if (effect.equalsIgnoreCase("Deny")) {
                return false;
            }
            boolean everyResource = resources.contains("*") || !notResources.isEmpty();
            boolean queueOrTable = !notActions.isEmpty()
                    || actions.stream()
                            .anyMatch(action -> action.equals("*")
                                    || action.contains("${")
                                    || action.toLowerCase().matches("(sqs|dynamodb):.*"));
            return everyResource && queueOrTable;
        }
    }

    /**
     * Every grant of SQS or DynamoDB actions on "*" in the given parsed files: policy documents, inline JSON policies
     * (heredocs and jsonencode(...), the latter parsed again with the HCL parser) and attached AWS managed policies.
     */
    static List<String> wildcardGrants(Map<String, JsonNode> files, Path scratch)
            throws IOException, InterruptedException {
        List<Statement> statements = new ArrayList<>();
        blocks(files, file -> true, "data", "aws_iam_policy_document")
                .forEach(document -> statements.addAll(Statement.of(document)));

        List<String> findings = new ArrayList<>();
        Map<String, String> encoded = new LinkedHashMap<>();
        for (String kind : List.of("resource", "data", "module", "locals", "output")) {
            for (Block block : kind.equals("locals") ? localsBlocks(files) : blocks(files, file -> true, kind, null)) {
                if (block.type().equals("aws_iam_policy_document")) {
                    continue;
                }
                forEachText(block.body(), text -> {
                    String trimmed = text.trim();
                    Matcher jsonencode = JSONENCODE.matcher(trimmed);
                    if (trimmed.startsWith("{") && trimmed.contains("\"Statement\"")) {
                        try {
                            statements.addAll(Statement.ofJson(block.address(), JSON.readTree(trimmed)));
                        } catch (IOException e) {
                            findings.add(block.address() + ": a JSON policy that does not parse: " + e.getMessage());
                        }
                    } else if (jsonencode.matches() && jsonencode.group(1).contains("Statement")) {
                        encoded.put(block.address() + " #" + encoded.size(), jsonencode.group(1));
                    } else if (trimmed.matches(
                            "arn:aws[a-z-]*:iam::aws:policy/.*(SQS|DynamoDB|Administrator|PowerUser).*")) {
                        findings.add(block.address() + ": attaches the AWS managed policy " + trimmed);
                    }
                });
            }
        }
        statements.addAll(parseEncodedPolicies(encoded, scratch));
        statements.stream()
                .filter(Statement::grantsQueueOrTableActionsOnEveryResource)
                .forEach(statement -> findings.add(statement.where() + ": allows " + statement.actions()
                        + (statement.notActions().isEmpty() ? "" : " all but " + statement.notActions())
                        + " on " + statement.resources()
                        + (statement.notResources().isEmpty() ? "" : " all but " + statement.notResources())));
        return findings;
    }

    private static List<Block> localsBlocks(Map<String, JsonNode> files) {
        List<Block> blocks = new ArrayList<>();
        files.forEach((file, content) -> objects(content.path("locals"))
                .forEach(body -> blocks.add(new Block(file, "locals", "", "locals", body))));
        return blocks;
    }

    private static void forEachText(JsonNode node, java.util.function.Consumer<String> action) {
        if (node.isTextual()) {
            action.accept(node.asText());
        } else if (node.isContainerNode()) {
            for (Iterator<JsonNode> elements = node.elements(); elements.hasNext(); ) {
                forEachText(elements.next(), action);
            }
        }
    }

    /** jsonencode({...}) arguments are HCL object expressions: the HCL parser turns them into JSON. */
    private static List<Statement> parseEncodedPolicies(Map<String, String> encoded, Path scratch)
            throws IOException, InterruptedException {
        if (encoded.isEmpty()) {
            return List.of();
        }
        Path directory = scratch != null ? scratch : Files.createTempDirectory("hcl-policies");
        Path file = directory.resolve("encoded-policies.tf");
        List<String> wheres = new ArrayList<>(encoded.keySet());
        StringBuilder hcl = new StringBuilder();
        for (int i = 0; i < wheres.size(); i++) {
            hcl.append("policy_")
                    .append(i)
                    .append(" = ")
                    .append(encoded.get(wheres.get(i)))
                    .append('\n');
        }
        Files.writeString(file, hcl);
        try {
            JsonNode result = parseHcl(List.of(file)).path(relative(file));
            List<Statement> statements = new ArrayList<>();
            for (int i = 0; i < wheres.size(); i++) {
                statements.addAll(Statement.ofJson(wheres.get(i), result.path("policy_" + i)));
            }
            return statements;
        } finally {
            if (scratch == null) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(directory);
            }
        }
    }
}
