package dev.ledger.eventstore;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ledger.command.Ledger;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.MessageOriginProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
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
 *   <li>event handler errors that propagate instead of being logged and skipped.</li>
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

    /** Axon's processing-group default logs and skips a failing event handler; a projection must never skip. */
    @Bean
    public ConfigurerModule propagatingEventHandlerErrors() {
        return configurer -> configurer
                .eventProcessing()
                .registerDefaultListenerInvocationErrorHandler(c -> PropagatingErrorHandler.instance());
    }
}
