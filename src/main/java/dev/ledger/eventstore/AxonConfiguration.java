package dev.ledger.eventstore;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ledger.entitlement.Entitlement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.commandhandling.gateway.ExponentialBackOffIntervalRetryScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.MessageOriginProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventsourcing.AggregateFactory;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.common.AxonNonTransientException;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotterFactoryBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Primary;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Axon wiring that the Boot auto-configuration does not do for us:
 * <ul>
 *   <li>a Jackson mapper for events, messages, tokens and snapshots (no XStream anywhere);</li>
 *   <li>snapshots every {@code ledger.eventstore.snapshot-threshold} events, built on their own executor;</li>
 *   <li>a command gateway that retries commands that lost an optimistic-locking race against another instance;</li>
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

    /** Events keep the correlation of their command, and the caller and action of administrative commands (audit). */
    @Bean
    public CorrelationDataProvider messageOrigin() {
        return new MessageOriginProvider();
    }

    @Bean
    public CorrelationDataProvider auditCorrelation() {
        return new SimpleCorrelationDataProvider("caller", "action");
    }

    /** Found by the Spring snapshotter by type; the repository keeps Axon's own factory. */
    @Bean
    public AggregateFactory<Entitlement> entitlementSnapshotFactory() {
        return new EntitlementFactory();
    }

    /** Snapshots are built on a small pool, not in the command thread (the Boot default uses a direct executor). */
    @Bean
    public SpringAggregateSnapshotterFactoryBean aggregateSnapshotter(EventStoreSettings settings) {
        SpringAggregateSnapshotterFactoryBean factory = new SpringAggregateSnapshotterFactoryBean();
        AtomicInteger threads = new AtomicInteger();
        factory.setExecutor(Executors.newFixedThreadPool(settings.snapshotThreads(), runnable -> {
            Thread thread = new Thread(runnable, "snapshotter-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }));
        return factory;
    }

    /** Entitlements kept between commands (ADR 0012); {@code ledger.eventstore.cache-size=0} turns it off. */
    @Bean
    public Cache entitlementCache(EventStoreSettings settings, MeterRegistry meters) {
        return settings.cacheSize() == 0 ? NoCache.INSTANCE
                : new AggregateCache(settings.cacheSize()).measuredBy(meters);
    }

    @Bean
    public ConfigurerModule entitlementAggregate(EventStoreSettings settings,
                                                 ObjectProvider<Snapshotter> snapshotter,
                                                 Cache entitlementCache) {
        return configurer -> {
            configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(Entitlement.class)
                    .configureCache(c -> entitlementCache)
                    .configureSnapshotTrigger(c -> new EventCountSnapshotTriggerDefinition(
                            snapshotter.getObject(), settings.snapshotThreshold())));
            // Axon's processing-group default logs and skips a failing event handler; a projection must never skip.
            configurer.eventProcessing()
                    .registerDefaultListenerInvocationErrorHandler(c -> PropagatingErrorHandler.instance());
        };
    }

    @Bean(destroyMethod = "shutdown")
    public ScheduledExecutorService commandRetryExecutor() {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "command-retry");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Two instances writing the same entitlement collide on the {@code (aggregate_identifier, sequence_number)} key; the
     * loser gets a {@code ConcurrencyException} and is retried here on a fresh copy of the aggregate. Decisions of the
     * domain (rejections, invalid input, a missing entitlement) are final and never retried. Axon tests the predicate
     * on every cause in the chain, so it names what is final rather than what is transient.
     */
    @Bean
    public CommandGateway commandGateway(CommandBus commandBus, EventStoreSettings settings,
                                         ScheduledExecutorService commandRetryExecutor) {
        return DefaultCommandGateway.builder()
                .commandBus(commandBus)
                .retryScheduler(ExponentialBackOffIntervalRetryScheduler.builder()
                        .retryExecutor(commandRetryExecutor)
                        .maxRetryCount(settings.commandRetries())
                        .backoffFactor(Math.max(1, settings.retryBackoff().toMillis()))
                        .nonTransientFailurePredicate(AxonConfiguration::isFinal)
                        .build())
                .build();
    }

    static boolean isFinal(Throwable failure) {
        return failure instanceof EntitlementRejection
                || failure instanceof InvalidInput
                || failure instanceof AggregateNotFoundException
                || failure instanceof AxonNonTransientException
                || failure instanceof IllegalArgumentException;
    }
}
