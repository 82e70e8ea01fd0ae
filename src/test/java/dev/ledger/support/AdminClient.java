package dev.ledger.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.context.annotation.Bean;

/** Integration tests call the API as the local development admin unless a test sends another Authorization header. */
@TestConfiguration(proxyBeanMethods = false)
public class AdminClient {

    public static final String ADMIN_TOKEN = "dev-admin-token";
    public static final String READER_TOKEN = "dev-reader-token";

    @Bean
    RestTemplateBuilder restTemplateBuilder() {
        return new RestTemplateBuilder().defaultHeader("Authorization", "Bearer " + ADMIN_TOKEN);
    }
}
