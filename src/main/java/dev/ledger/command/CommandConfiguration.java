package dev.ledger.command;

import com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration;
import com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider;
import dev.ledger.entitlement.Entitlement;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.net.URI;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import javax.cache.CacheManager;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.commandhandling.gateway.ExponentialBackOffIntervalRetryScheduler;
import org.axonframework.common.AxonNonTransientException;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.JCacheAdapter;
import org.axonframework.common.caching.NoCache;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventsourcing.AggregateFactory;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotterFactoryBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The command side's wiring: the entitlement aggregate with its cache and snapshots, and a command gateway that retries
 * commands that lost an append race. Thread pools are Spring's, and they stop with the context.
 */
@Configuration(proxyBeanMethods = false)
class CommandConfiguration {

    /** This process among the instances that share the database; each application context is one. */
    @Bean
    InstanceIdentity instanceIdentity() {
        return new InstanceIdentity(UUID.randomUUID().toString());
    }

    /**
     * Entitlements kept between commands (ADR 0012): Axon's JCache adapter over a Caffeine cache bounded by count, with
     * Caffeine's statistics published as {@code cache.*{cache="entitlements"}}. Entries are stored by reference (the
     * JCache default, store-by-value, would copy every aggregate). {@code ledger.eventstore.cache-size=0} turns it off.
     */
    @Bean
    Cache entitlementCache(EventStoreSettings settings, CacheManager entitlementCacheManager, MeterRegistry meters) {
        if (settings.cacheSize() == 0) {
            return NoCache.INSTANCE;
        }
        CaffeineConfiguration<Object, Object> configuration = new CaffeineConfiguration<>();
        configuration.setMaximumSize(OptionalLong.of(settings.cacheSize()));
        configuration.setStoreByValue(false);
        configuration.setNativeStatisticsEnabled(true);
        javax.cache.Cache<Object, Object> cache = entitlementCacheManager.createCache("entitlements", configuration);
        CaffeineCacheMetrics.monitor(
                meters, cache.unwrap(com.github.benmanes.caffeine.cache.Cache.class), "entitlements");
        return new JCacheAdapter(cache);
    }

    /** One cache manager per application context: several contexts share a JVM in tests. */
    @Bean(destroyMethod = "close")
    CacheManager entitlementCacheManager(InstanceIdentity instance) {
        return new CaffeineCachingProvider()
                .getCacheManager(
                        URI.create("ledger-" + instance.id()), getClass().getClassLoader(), new Properties());
    }

    @Bean
    ConfigurerModule entitlementAggregate(
            EventStoreSettings settings, ObjectProvider<Snapshotter> snapshotter, Cache entitlementCache) {
        return configurer -> configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(Entitlement.class)
                .configureCache(c -> entitlementCache)
                .configureSnapshotTrigger(c -> new EventCountSnapshotTriggerDefinition(
                        snapshotter.getObject(), settings.snapshotThreshold())));
    }

    /** Found by the Spring snapshotter by type: Axon's own factory, as the repository uses. */
    @Bean
    AggregateFactory<Entitlement> entitlementFactory() {
        return new GenericAggregateFactory<>(Entitlement.class);
    }

    /** Snapshots are built on a small pool, not in the command thread (the Boot default uses a direct executor). */
    @Bean
    SpringAggregateSnapshotterFactoryBean aggregateSnapshotter(CommandThreads threads) {
        SpringAggregateSnapshotterFactoryBean factory = new SpringAggregateSnapshotterFactoryBean();
        factory.setExecutor(threads.snapshots());
        return factory;
    }

    /**
     * The command side's threads, owned by one bean that shuts them down with the context. Not {@code Executor} or
     * {@code TaskScheduler} beans: those would make Boot back off from its own {@code applicationTaskExecutor} and
     * {@code taskScheduler}.
     */
    @Bean(destroyMethod = "shutdown")
    CommandThreads commandThreads(EventStoreSettings settings, MeterRegistry meters) {
        return new CommandThreads(
                Threads.pool("snapshotter", settings.snapshotThreads(), meters),
                Threads.scheduler("command-retry", meters));
    }

    record CommandThreads(ThreadPoolTaskExecutor snapshots, ThreadPoolTaskScheduler retries) {
        void shutdown() {
            snapshots.shutdown();
            retries.shutdown();
        }
    }

    /**
     * Two instances writing the same entitlement can still collide on the {@code (aggregate_identifier,
     * sequence_number)} key when a grant races a grant; the loser gets a {@code ConcurrencyException} and is retried
     * here on a fresh copy of the aggregate. Decisions of the domain (rejections, invalid input, a missing entitlement)
     * are final and never retried. Axon tests the predicate on every cause in the chain, so it names what is final
     * rather than what is transient.
     */
    @Bean
    CommandGateway commandGateway(CommandBus commandBus, EventStoreSettings settings, CommandThreads threads) {
        return DefaultCommandGateway.builder()
                .commandBus(commandBus)
                .retryScheduler(ExponentialBackOffIntervalRetryScheduler.builder()
                        .retryExecutor(threads.retries().getScheduledExecutor())
                        .maxRetryCount(settings.commandRetries())
                        .backoffFactor(Math.max(1, settings.retryBackoff().toMillis()))
                        .nonTransientFailurePredicate(CommandConfiguration::isFinal)
                        .build())
                .build();
    }

    static boolean isFinal(Throwable failure) {
        return failure instanceof EntitlementRejection
                || failure instanceof IdempotencyKeyTaken
                || failure instanceof InvalidInput
                || failure instanceof AggregateNotFoundException
                || failure instanceof AxonNonTransientException
                || failure instanceof IllegalArgumentException;
    }
}
