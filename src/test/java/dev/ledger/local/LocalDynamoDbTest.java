package dev.ledger.local;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalDynamoDbTest {

    @Test
    void without_node_js_startup_fails_saying_what_to_install_or_configure() {
        assertThatThrownBy(() -> LocalDynamoDb.start(
                        "no-such-node-executable", Path.of("target", "dynalite"), "127.0.0.1", 1, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Install Node.js 20 or newer")
                .hasMessageContaining("spring.cloud.aws.dynamodb.endpoint");
    }

    @Test
    void without_the_installed_dynalite_startup_fails_saying_how_to_install_it() {
        assertThatThrownBy(
                        () -> LocalDynamoDb.start("node", Path.of("target", "no-dynalite-here"), "127.0.0.1", 1, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dynalite is not installed")
                .hasMessageContaining("npm ci");
    }
}
