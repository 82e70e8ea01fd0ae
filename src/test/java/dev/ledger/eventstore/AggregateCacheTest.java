package dev.ledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;
import org.junit.jupiter.api.Test;

class AggregateCacheTest {

    @Test
    void keeps_at_most_its_capacity_dropping_the_least_recently_used() {
        AggregateCache cache = new AggregateCache(2);
        cache.put("a", 1);
        cache.put("b", 2);
        assertThat((Integer) cache.get("a")).isEqualTo(1); // a is now the most recently used
        cache.put("c", 3);

        assertThat(cache.containsKey("b")).isFalse();
        assertThat(cache.containsKey("a")).isTrue();
        assertThat(cache.containsKey("c")).isTrue();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void counts_hits_misses_and_evictions_as_meters() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AggregateCache cache = new AggregateCache(1).measuredBy(meters);
        cache.get("a");
        cache.put("a", 1);
        cache.get("a");
        cache.put("b", 2);

        assertThat(meters.get("ledger.aggregate.cache.hits").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("ledger.aggregate.cache.misses").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("ledger.aggregate.cache.evictions").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("ledger.aggregate.cache.size").gauge().value()).isEqualTo(1);
    }

    @Test
    void removal_and_put_if_absent_and_compute_behave_as_axon_expects() {
        AggregateCache cache = new AggregateCache(10);
        assertThat(cache.putIfAbsent("a", 1)).isTrue();
        assertThat(cache.putIfAbsent("a", 2)).isFalse();
        assertThat((Integer) cache.computeIfAbsent("a", () -> 3)).isEqualTo(1);
        assertThat((Integer) cache.computeIfAbsent("b", () -> 4)).isEqualTo(4);
        cache.<Integer>computeIfPresent("b", value -> value + 1);
        assertThat((Integer) cache.get("b")).isEqualTo(5);
        cache.<Integer>computeIfPresent("b", value -> null);
        assertThat(cache.containsKey("b")).isFalse();

        assertThat(cache.remove("a")).isTrue();
        assertThat(cache.remove("a")).isFalse();
        cache.put("x", 1);
        cache.put("y", 2);
        cache.removeAll();
        assertThat(cache.size()).isZero();
    }

    @Test
    void tells_listeners_until_they_cancel() {
        AggregateCache cache = new AggregateCache(1);
        List<String> seen = new ArrayList<>();
        Registration registration = cache.registerCacheEntryListener(new Cache.EntryListenerAdapter() {
            @Override
            public void onEntryCreated(Object key, Object value) {
                seen.add("created " + key);
            }

            @Override
            public void onEntryUpdated(Object key, Object value) {
                seen.add("updated " + key);
            }

            @Override
            public void onEntryRemoved(Object key) {
                seen.add("removed " + key);
            }

            @Override
            public void onEntryExpired(Object key) {
                seen.add("expired " + key);
            }
        });
        cache.put("a", 1);
        cache.put("a", 2);
        cache.put("b", 3);
        cache.remove("b");
        registration.cancel();
        cache.put("c", 4);

        assertThat(seen).containsExactly("created a", "updated a", "expired a", "created b", "removed b");
    }

    @Test
    void refuses_a_capacity_below_one() {
        assertThatThrownBy(() -> new AggregateCache(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
