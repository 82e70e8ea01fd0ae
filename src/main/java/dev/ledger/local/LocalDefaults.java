package dev.ledger.local;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * When local services are enabled ({@code ledger.local.enabled}, true unless the {@code aws} profile or configuration
 * turns it off), points the AWS clients at the embedded emulators on 127.0.0.1 with dummy credentials, and lets the
 * application create the queues. Added with the lowest precedence, so any explicit setting wins; never present in AWS.
 */
public class LocalDefaults implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE = "ledgerLocalDefaults";

    /** After application.properties and profile files are loaded, so {@code ledger.local.enabled} is final. */
    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 10;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty("ledger.local.enabled", Boolean.class, true)) {
            return;
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.cloud.aws.region.static", "us-east-1");
        defaults.put("spring.cloud.aws.credentials.access-key", "local");
        defaults.put("spring.cloud.aws.credentials.secret-key", "local");
        defaults.put("spring.cloud.aws.sqs.endpoint", "http://127.0.0.1:${ledger.local.sqs-port:9324}");
        defaults.put("spring.cloud.aws.dynamodb.endpoint", "http://127.0.0.1:${ledger.local.dynamodb-port:8000}");
        defaults.put("ledger.dynamodb.create-table", "true");
        defaults.put("ledger.sqs.create-queues", "true");
        defaults.put("ledger.sqs.max-receive-count", "3");
        defaults.put("ledger.sqs.visibility-timeout", "5s");
        // the two documented development tokens (dev-admin-token, dev-reader-token), stored as SHA-256 hashes
        defaults.put("ledger.security.tokens[0].name", "dev-admin");
        defaults.put("ledger.security.tokens[0].role", "ADMIN");
        defaults.put("ledger.security.tokens[0].sha256", "1734d503f6aa6a047c36d113cbad769f719c93784b469b771c4c3e7c63adbefd");
        defaults.put("ledger.security.tokens[1].name", "dev-reader");
        defaults.put("ledger.security.tokens[1].role", "READER");
        defaults.put("ledger.security.tokens[1].sha256", "47beeb95da92ee9485a13c613b44b1dd7ff064c2c2815902e1c2e6d765b3c8ad");
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
    }
}
