package dev.ledger.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Walks the service's own OpenAPI document ({@code /v3/api-docs}) and sends, for every operation and every documented
 * parameter and body field, valid, boundary, wrongly typed, empty, oversized, Unicode and unknown-enum values, and a
 * parameter given twice, with the admin token, the reader token and no token. No answer may be a 5xx, and every 4xx
 * must be a problem detail with a {@code code}. The cases are generated here, from the document, so a new endpoint or
 * parameter is walked without touching this test.
 */
@IntegrationTest
class OpenApiWalkTest {

    private static final String USER = "walk-user";
    private static final String KEY = "WALK_KEY";
    /** Longer than every documented limit (user ids 256, keys 64, idempotency keys 128), within Tomcat's 8 KiB line. */
    private static final String OVERSIZED = "x".repeat(1_500);

    private static final String UNICODE = "ünï-çødé-💥-\u202e-日本";
    private static final List<String> TOKENS =
            new ArrayList<>(List.of(AdminClient.ADMIN_TOKEN, AdminClient.READER_TOKEN));

    static {
        TOKENS.add(null);
    }

    @LocalServerPort
    int port;

    @Autowired
    ProjectionStatus status;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private JsonNode document;

    /** One request to send: a path with its parameters filled in, a query string and an optional body. */
    record Case(
            String method, String template, Map<String, String> path, List<String[]> query, String body, String what) {
        Case with(String what, Map<String, String> newPath, List<String[]> newQuery, String newBody) {
            return new Case(method, template, newPath, newQuery, newBody, what);
        }
    }

    /** An answer that breaks the rule, kept so the failure lists all of them at once. */
    record Finding(Case request, String token, int status, String contentType, String body) {
        @Override
        public String toString() {
            return request.method() + " " + request.template() + " [" + request.what() + "] token="
                    + (token == null ? "none" : token) + " -> " + status + " " + contentType + " "
                    + body.substring(0, Math.min(body.length(), 300));
        }
    }

    @Test
    void no_documented_input_answers_5xx_and_every_4xx_is_a_problem_with_a_code() throws Exception {
        send(
                "POST",
                "/api/v1/entitlements",
                "{\"userId\":\"" + USER + "\",\"entitlementKey\":\"" + KEY
                        + "\",\"usage\":{\"limit\":100,\"period\":\"MONTHLY\"}}",
                AdminClient.ADMIN_TOKEN);
        document = json.readTree(send("GET", "/v3/api-docs", null, null).body());

        List<Case> cases = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields();
        int operations = 0;
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields();
            while (methods.hasNext()) {
                Map.Entry<String, JsonNode> method = methods.next();
                cases.addAll(cases(method.getKey().toUpperCase(), path.getKey(), method.getValue()));
                operations++;
            }
        }
        assertThat(operations).as("operations in the document").isGreaterThanOrEqualTo(15);

        List<Finding> findings = new ArrayList<>();
        int sent = 0;
        long started = System.nanoTime();
        Map<String, Long> millis = new java.util.TreeMap<>();
        for (Case request : cases) {
            for (String token : TOKENS) {
                long start = System.nanoTime();
                HttpResponse<String> response = send(request, token);
                millis.merge(
                        request.method() + " " + request.template(),
                        (System.nanoTime() - start) / 1_000_000,
                        Long::sum);
                sent++;
                String contentType =
                        response.headers().firstValue("Content-Type").orElse("");
                int code = response.statusCode();
                boolean problem = code < 400
                        || contentType.startsWith("application/problem+json")
                                && json.readTree(response.body()).path("code").isTextual();
                if (code >= 500 || !problem) {
                    findings.add(new Finding(request, token, code, contentType, response.body()));
                }
            }
        }
        System.out.printf(
                "OpenAPI walk: %d operations, %d requests in %d ms%n",
                operations, sent, (System.nanoTime() - started) / 1_000_000);
        millis.forEach((operation, ms) -> System.out.printf("  %6d ms  %s%n", ms, operation));
        assertThat(sent).as("requests sent").isGreaterThan(1_000);
        assertThat(findings)
                .as("answers that are 5xx or a 4xx without a problem code, of " + sent)
                .isEmpty();

        // the walk started rebuilds with the admin token: leave the shared context with its projections caught up
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> List.of(Projection.values()).stream()
                        .map(status::of)
                        .allMatch(s -> s.lagEvents() == 0 && !s.replaying() && "RUNNING".equals(s.state())));
    }

    private List<Case> cases(String method, String template, JsonNode operation) {
        Map<String, String> path = new LinkedHashMap<>();
        List<String[]> query = new ArrayList<>();
        List<JsonNode> parameters = new ArrayList<>();
        operation.path("parameters").forEach(parameters::add);
        // the base request carries the path and the required query parameters; each variant adds or changes one
        for (JsonNode parameter : parameters) {
            String value = valid(parameter.get("name"), schema(parameter.get("schema")));
            if ("path".equals(parameter.get("in").asText())) {
                path.put(parameter.get("name").asText(), value);
            } else if ("query".equals(parameter.get("in").asText())
                    && parameter.path("required").asBoolean()) {
                query.add(new String[] {parameter.get("name").asText(), value});
            }
        }
        JsonNode bodySchema = schema(operation.at("/requestBody/content/application~1json/schema"));
        String body = bodySchema.isMissingNode() ? null : validBody(bodySchema).toString();
        Case base = new Case(method, template, path, query, body, "valid");
        List<Case> cases = new ArrayList<>();
        cases.add(base);

        for (JsonNode parameter : parameters) {
            String name = parameter.get("name").asText();
            boolean inPath = "path".equals(parameter.get("in").asText());
            for (Map.Entry<String, String> variant :
                    variants(schema(parameter.get("schema"))).entrySet()) {
                if (inPath) {
                    Map<String, String> changed = new LinkedHashMap<>(path);
                    changed.put(name, variant.getValue());
                    cases.add(base.with(name + ": " + variant.getKey(), changed, query, body));
                } else {
                    List<String[]> changed = new ArrayList<>();
                    query.stream().filter(q -> !q[0].equals(name)).forEach(changed::add);
                    changed.add(new String[] {name, variant.getValue()});
                    cases.add(base.with(name + ": " + variant.getKey(), path, changed, body));
                }
            }
            if (!inPath) {
                List<String[]> alone = new ArrayList<>(query);
                alone.removeIf(q -> q[0].equals(name));
                alone.add(new String[] {name, valid(parameter.get("name"), schema(parameter.get("schema")))});
                cases.add(base.with(name + ": valid", path, alone, body));
                List<String[]> twice = new ArrayList<>(query);
                twice.removeIf(q -> q[0].equals(name));
                String value = valid(parameter.get("name"), schema(parameter.get("schema")));
                twice.add(new String[] {name, value});
                twice.add(new String[] {name, value});
                cases.add(base.with(name + ": given twice", path, twice, body));
                List<String[]> without = new ArrayList<>(query);
                without.removeIf(q -> q[0].equals(name));
                cases.add(base.with(name + ": absent", path, without, body));
            }
        }
        if (body != null) {
            ObjectNode valid = validBody(bodySchema);
            for (String variant : bodyVariants(valid, bodySchema)) {
                cases.add(base.with(
                        "body: " + variant.substring(0, Math.min(variant.length(), 200)), path, query, variant));
            }
        }
        return cases;
    }

    /** Valid, boundary, wrong-type, empty, oversized, Unicode and unknown-enum values for one parameter's schema. */
    private Map<String, String> variants(JsonNode schema) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("empty", "");
        values.put("blank", " ");
        values.put("oversized", OVERSIZED);
        values.put("unicode", UNICODE);
        values.put("percent and slash", "a/b%c");
        values.put("reserved characters", "../;x=1&y");
        String type = schema.path("type").asText();
        if (type.equals("integer") || type.equals("number")) {
            values.put("wrong type", "ten");
            values.put("fraction", "1.5");
            values.put("zero", "0");
            values.put("negative", "-1");
            values.put("int max", Integer.toString(Integer.MAX_VALUE));
            values.put("past long", "99999999999999999999");
            if (schema.has("minimum")) {
                values.put("below minimum", Long.toString(schema.get("minimum").asLong() - 1));
            }
            if (schema.has("maximum")) {
                values.put("above maximum", Long.toString(schema.get("maximum").asLong() + 1));
            }
        } else if (type.equals("boolean")) {
            values.put("wrong type", "maybe");
        } else {
            values.put("wrong type", "12345");
            values.put("a time", "2025-01-01T00:00:00Z");
            values.put("a date without time", "2025-01-01");
            values.put("far past", "-999999999-01-01T00:00:00Z");
            values.put("far future", "+999999999-12-31T23:59:59Z");
        }
        if (schema.has("example")) {
            values.put("the documented example", schema.get("example").asText());
        }
        if (schema.has("enum")) {
            schema.get("enum").forEach(value -> values.put("enum " + value.asText(), value.asText()));
            values.put("unknown enum", "NOT_" + schema.get("enum").get(0).asText());
            values.put("lower-case enum", schema.get("enum").get(0).asText().toLowerCase());
        }
        if (schema.has("minimum")) {
            values.put("at minimum", schema.get("minimum").asText());
        }
        if (schema.has("maximum")) {
            values.put("at maximum", schema.get("maximum").asText());
        }
        if (schema.has("maxLength")) {
            values.put("at maxLength", "A".repeat(schema.get("maxLength").asInt()));
            values.put("past maxLength", "A".repeat(schema.get("maxLength").asInt() + 1));
        }
        return values;
    }

    /** Bodies: each field wrong, empty, oversized, Unicode, null, absent and duplicated; and broken JSON as a whole. */
    private List<String> bodyVariants(ObjectNode valid, JsonNode schema) {
        List<String> bodies = new ArrayList<>(List.of(
                "",
                "[]",
                "null",
                "not json",
                "{" + "\"a\":[".repeat(2_000),
                valid.toString().replaceFirst("\\}$", ",}")));
        bodies.addAll(objectVariants(valid, schema));
        return bodies;
    }

    /** The object itself empty or with an unknown field, then each field changed, absent or given twice. */
    private List<String> objectVariants(ObjectNode valid, JsonNode schema) {
        List<String> bodies = new ArrayList<>(List.of("{}", "{\"unknown\":1}"));
        JsonNode properties = schema.path("properties");
        Iterator<String> names = properties.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            JsonNode field = schema(properties.get(name));
            JsonNodeFactory nodes = JsonNodeFactory.instance;
            List<JsonNode> values = new ArrayList<>(List.of(
                    nodes.textNode(""),
                    nodes.textNode(OVERSIZED),
                    nodes.textNode(UNICODE),
                    nodes.nullNode(),
                    nodes.numberNode(-1),
                    nodes.numberNode(1.5),
                    nodes.numberNode(new java.math.BigInteger("99999999999999999999")),
                    nodes.booleanNode(true),
                    nodes.arrayNode(),
                    nodes.objectNode(),
                    nodes.textNode("+999999999-12-31T23:59:59Z"),
                    nodes.textNode("10000-01-01T00:00:00Z")));
            if (field.has("enum")) {
                values.add(nodes.textNode("NOT_" + field.get("enum").get(0).asText()));
            }
            if (field.path("type").asText().equals("object")) {
                for (String inner : objectVariants(validBody(field), field)) {
                    bodies.add(valid.toString()
                            .replace("\"" + name + "\":" + valid.get(name), "\"" + name + "\":" + inner));
                }
            }
            for (JsonNode value : values) {
                ObjectNode changed = valid.deepCopy();
                changed.set(name, value);
                bodies.add(changed.toString());
            }
            ObjectNode without = valid.deepCopy();
            without.remove(name);
            bodies.add(without.toString());
            if (valid.has(name)) {
                bodies.add(valid.toString().replaceFirst("\\}$", ",\"" + name + "\":" + valid.get(name) + "}"));
            }
        }
        return bodies;
    }

    private ObjectNode validBody(JsonNode schema) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> properties =
                schema.path("properties").fields();
        while (properties.hasNext()) {
            Map.Entry<String, JsonNode> property = properties.next();
            JsonNode field = schema(property.getValue());
            String type = field.path("type").asText();
            switch (type) {
                case "object" -> body.set(property.getKey(), validBody(field));
                case "integer", "number" ->
                    body.put(
                            property.getKey(),
                            field.path("minimum").asLong(1) > 0
                                    ? field.path("minimum").asLong(1)
                                    : 1);
                case "boolean" -> body.put(property.getKey(), true);
                case "array" ->
                    body.set(
                            property.getKey(),
                            json.createArrayNode()
                                    .add(valid(
                                            JsonNodeFactory.instance.textNode(property.getKey()),
                                            schema(field.path("items")))));
                default ->
                    body.put(property.getKey(), valid(JsonNodeFactory.instance.textNode(property.getKey()), field));
            }
        }
        return body;
    }

    /** A valid value for a parameter or field: for the ledger's identifiers by name, otherwise from its schema. */
    private String valid(JsonNode name, JsonNode schema) {
        return switch (name.asText()) {
            case "userId" -> USER;
            case "entitlementKey" -> KEY;
            case "period" -> "MONTHLY";
            case "overLimit" -> "REJECT";
            case "from", "anchor" -> "2025-01-01T00:00:00Z";
            case "to" -> "2025-01-02T00:00:00Z";
            case "types" -> "UsageConsumed";
            default ->
                schema.has("enum")
                        ? schema.get("enum").get(0).asText()
                        : schema.has("example")
                                ? schema.get("example").asText()
                                : switch (schema.path("type").asText()) {
                                    case "integer", "number" ->
                                        schema.has("minimum")
                                                ? schema.get("minimum").asText()
                                                : "1";
                                    case "boolean" -> "true";
                                    default -> "walk";
                                };
        };
    }

    private JsonNode schema(JsonNode schema) {
        if (schema == null || schema.isMissingNode()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (schema.has("$ref")) {
            return document.at(schema.get("$ref").asText().substring(1));
        }
        return schema;
    }

    private HttpResponse<String> send(Case request, String token) throws Exception {
        String path = request.template();
        for (Map.Entry<String, String> parameter : request.path().entrySet()) {
            path = path.replace("{" + parameter.getKey() + "}", encode(parameter.getValue()));
        }
        StringBuilder url = new StringBuilder(path);
        char separator = '?';
        for (String[] parameter : request.query()) {
            url.append(separator).append(encode(parameter[0])).append('=').append(encode(parameter[1]));
            separator = '&';
        }
        return send(request.method(), url.toString(), request.body(), token);
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body, String token) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
