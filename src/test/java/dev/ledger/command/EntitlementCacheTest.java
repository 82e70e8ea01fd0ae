package dev.ledger.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import javax.cache.CacheManager;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The aggregate cache as {@link CommandConfiguration} builds it: Axon's JCache adapter over Caffeine. */
class EntitlementCacheTest {

    private final CommandConfiguration configuration = new CommandConfiguration();
    private final CacheManager manager = configuration.entitlementCacheManager(new InstanceIdentity("test"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        manager.close();
    }

    private Cache cacheOf(int size) {
        return configuration.entitlementCache(
                new EventStoreSettings(250, 1, 0, Duration.ofMillis(1), size), manager, meters);
    }

    @Test
    void keeps_the_cached_object_itself_not_a_copy() {
        Cache cache = cacheOf(10);
        Object aggregate = new Object(); // not Serializable: a store-by-value cache could not even hold it

        cache.put("a", aggregate);

        assertThat((Object) cache.get("a")).isSameAs(aggregate);
    }

    @Test
    void holds_at_most_cache_size_entitlements() {
        Cache cache = cacheOf(2);
        for (int i = 0; i < 50; i++) {
            cache.put("e" + i, i);
        }
        var caffeine = manager.getCache("entitlements").unwrap(com.github.benmanes.caffeine.cache.Cache.class);
        caffeine.cleanUp();

        assertThat(caffeine.estimatedSize()).isLessThanOrEqualTo(2);
        assertThat(meters.get("cache.evictions")
                        .tag("cache", "entitlements")
                        .functionCounter()
                        .count())
                .isGreaterThanOrEqualTo(48);
    }

    @Test
    void publishes_hits_and_misses_as_cache_gets() {
        Cache cache = cacheOf(10);
        cache.put("a", 1);

        cache.get("a");
        cache.get("a");
        cache.get("missing");

        assertThat(meters.get("cache.gets")
                        .tags("cache", "entitlements", "result", "hit")
                        .functionCounter()
                        .count())
                .isEqualTo(2);
        assertThat(meters.get("cache.gets")
                        .tags("cache", "entitlements", "result", "miss")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void a_cache_size_of_zero_turns_the_cache_off() {
        assertThat(cacheOf(0)).isSameAs(NoCache.INSTANCE);
    }
}
