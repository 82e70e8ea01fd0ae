package dev.ledger.eventstore;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ledger.command.Ledger;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.MessageOriginProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * Axon wiring that the Boot auto-configuration does not do for us (the command side's own wiring is in
 * {@code dev.ledger.command.CommandConfiguration}):
 * <ul>
 *   <li>a Jackson mapper for events, messages, tokens and snapshots (no XStream anywhere);</li>
 *   <li>the correlation data that events keep for the audit trail;</li>
 *   <li>event handler errors that propagate instead of being logged and skipped;</li>
 *   <li>the processors' tokens through plain JDBC.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
public class AxonConfiguration {

    /**
     * Jackson for everything Axon serializes: events, messages, tokens and snapshots. Defined here rather than through
     * an {@code ObjectMapper} bean, so that Spring MVC keeps its own stricter mapper.
     */
    @Bean
    @Primary
    public Serializer serializer() {
        return jackson();
    }

    @Bean
    @Qualifier("eventSerializer")
    public Serializer eventSerializer() {
        return jackson();
    }

    @Bean
    @Qualifier("messageSerializer")
    public Serializer messageSerializer() {
        return jackson();
    }

    static JacksonSerializer jackson() {
        ObjectMapper mapper = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // the aggregate keeps its state in private fields without getters; snapshots need them
                .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .build();
        return JacksonSerializer.builder().objectMapper(mapper).build();
    }

    /**
     * Events keep the correlation of their command, the caller, action and reason of administrative commands (audit),
     * and a reversal's {@code Idempotency-Key} with the fingerprint of its request (recorded with the reversal's
     * answer), and a usage's SQS {@code SentTimestamp} (the projections time their delay from it).
     */
    @Bean
    public CorrelationDataProvider messageOrigin() {
        return new MessageOriginProvider();
    }

    @Bean
    public CorrelationDataProvider auditCorrelation() {
        return new SimpleCorrelationDataProvider(
                "caller", "action", "reason", "idempotencyKey", "requestFingerprint", Ledger.SQS_SENT_TIMESTAMP);
    }

    /**
     * The streaming processors' tokens through plain JDBC, in the same {@code token_entry} table (db/V1, {@code bytea}
     * tokens serialized by Jackson as before) and in the same transaction as each batch's writes: Spring's
     * connection of the current transaction. Axon's JPA token store had Hibernate translate its JPQL UPDATE (SQM to
     * SQL) on every batch, the largest share of the usage-history processor's CPU in the ingest profile; the JDBC
     * store sends the same SELECT … FOR UPDATE and UPDATE as plain statements (ADR 0026).
     */
    @Bean
    public TokenStore tokenStore(DataSource dataSource, Serializer serializer) {
        return JdbcTokenStore.builder()
                .connectionProvider(new UnitOfWorkAwareConnectionProviderWrapper(
                        new SpringDataSourceConnectionProvider(dataSource)))
                .serializer(serializer)
                // the table and columns of db/V1 (the JPA entity's names); the JDBC defaults are camel case
                .schema(TokenSchema.builder()
                        .setTokenTable("token_entry")
                        .setProcessorNameColumn("processor_name")
                        .setSegmentColumn("segment")
                        .setTokenColumn("token")
                        .setTokenTypeColumn("token_type")
                        .setTimestampColumn("timestamp")
                        .setOwnerColumn("owner")
                        .build())
                .contentType(byte[].class)
                .build();
    }

    /** Axon's processing-group default logs and skips a failing event handler; a projection must never skip. */
    @Bean
    public ConfigurerModule propagatingEventHandlerErrors() {
        return configurer -> configurer
                .eventProcessing()
                .registerDefaultListenerInvocationErrorHandler(c -> PropagatingErrorHandler.instance());
    }
}
