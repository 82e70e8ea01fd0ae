package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

/**
 * Everyday use of the console, checked in the browser at the narrowest supported width (1024 px): axe-core's WCAG 2.x
 * A/AA rules on every page (labels, names of buttons and links, headings, contrast), no horizontal overflow, and the
 * keyboard alone is enough to sign in and find a user.
 */
@IntegrationTest
class ConsoleAccessibilityTest {

    static final String USER = "cons-a11y-1";

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext app;

    @Test
    void every_page_passes_the_wcag_a_and_aa_checks_and_fits_1024_px() throws Exception {
        new ConsoleSeed(app).threeWindows(USER);

        JsonNode seen = new ConsoleBrowser(port)
                .drive(
                        "a11y.mjs",
                        "pages",
                        AdminClient.ADMIN_TOKEN,
                        Map.of("USER_ID", USER, "ENTITLEMENT_KEY", ConsoleSeed.THREE_WINDOWS_KEY));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("pages").properties())
                .extracting(Map.Entry::getKey)
                .containsExactly("sign-in", "find", "user", "entitlement", "operations");
        seen.get("pages").properties().forEach(page -> {
            assertThat(page.getValue().get("violations"))
                    .as("axe violations on the %s page", page.getKey())
                    .isEmpty();
            assertThat(page.getValue().get("overflow").asInt())
                    .as("horizontal overflow of the %s page at 1024 px", page.getKey())
                    .isLessThanOrEqualTo(0);
        });
    }

    @Test
    void the_keyboard_alone_signs_in_and_opens_a_user_and_focus_moves_to_the_page_opened() throws Exception {
        new ConsoleSeed(app).grant(USER + "-k", "AI_TUTOR_ACCESS", null);

        JsonNode seen = new ConsoleBrowser(port)
                .drive("a11y.mjs", "keyboard", AdminClient.READER_TOKEN, Map.of("USER_ID", USER + "-k"));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("order"))
                .extracting(JsonNode::asText)
                .as("the field in focus on arriving at sign-in, then at find a user")
                .containsExactly("token", "user-id");
        assertThat(seen.get("url").asText()).endsWith("#/users/" + USER + "-k");
        assertThat(seen.get("focusAfterOpen").asText())
                .as("focus moves to the page opened (main#page)")
                .isEqualTo("page");
        assertThat(seen.get("tabs").get(0).asText())
                .as("the first Tab on the user page reaches its first entitlement")
                .isEqualTo("AI_TUTOR_ACCESS");
    }
}
