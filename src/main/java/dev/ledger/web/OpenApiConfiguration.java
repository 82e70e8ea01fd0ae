package dev.ledger.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /v3/api-docs} (Swagger UI at {@code /swagger-ui.html}): the bearer scheme, and the
 * problem-detail error responses every endpoint can give.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final Map<String, String> ERRORS = Map.of(
            "400", "Invalid input; `code` names the field or rule (INVALID_…, UNKNOWN_FIELD, MALFORMED_JSON)",
            "401", "No token or an invalid token (UNAUTHORIZED)",
            "403", "The token's role may not do this (FORBIDDEN)",
            "404", "No such entitlement, usage or path (ENTITLEMENT_NOT_FOUND, USAGE_NOT_FOUND, NOT_FOUND)",
            "409",
                    "Refused in the entitlement's state (ENTITLEMENT_EXISTS, ENTITLEMENT_INACTIVE, NO_USAGE_TRACKING, "
                            + "LIMIT_EXCEEDED, REVERSAL_EXCEEDS_ORIGINAL)",
            "500", "Unexpected error (INTERNAL_ERROR)",
            "503", "Retries against concurrent writers exhausted (CONCURRENT_MODIFICATION)");

    @Bean
    OpenAPI ledgerOpenApi() {
        ObjectSchema problem = new ObjectSchema();
        problem.addProperty("type", new StringSchema());
        problem.addProperty("title", new StringSchema());
        problem.addProperty("status", new IntegerSchema());
        problem.addProperty("detail", new StringSchema());
        problem.addProperty("instance", new StringSchema());
        problem.addProperty("code", new StringSchema().description("stable reason code"));
        return new OpenAPI()
                .info(new Info()
                        .title("Entitlement ledger API")
                        .version("v1")
                        .description("Grant and change entitlements, read their state and usage history, export usage, "
                                + "and operate projections and dead letters. Errors are RFC 9457 problem details."))
                .components(new Components()
                        .addSecuritySchemes(
                                "bearer",
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("a configured API token (READER or ADMIN) or a JWT"))
                        .addSchemas("Problem", problem))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }

    @Bean
    OpenApiCustomizer problemDetailResponses() {
        return openApi -> openApi.getPaths()
                .values()
                .forEach(path -> path.readOperations()
                        .forEach(operation -> ERRORS.forEach((status, description) -> {
                            if (operation.getResponses().get(status) == null) {
                                operation
                                        .getResponses()
                                        .addApiResponse(
                                                status,
                                                new ApiResponse()
                                                        .description(description)
                                                        .content(
                                                                new Content()
                                                                        .addMediaType(
                                                                                "application/problem+json",
                                                                                new MediaType()
                                                                                        .schema(
                                                                                                new io.swagger.v3.oas
                                                                                                                .models
                                                                                                                .media
                                                                                                                .Schema<>()
                                                                                                        .$ref(
                                                                                                                "#/components/schemas/Problem")))));
                            }
                        })));
    }
}
