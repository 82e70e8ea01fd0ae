package dev.ledger.eventstore;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;

/**
 * The entitlements last used by this instance, most recently used first, at most {@code capacity} of them. Axon's
 * caching repository keeps an aggregate here after each successful command, so the next command on it neither reads a
 * snapshot nor replays events; on any rollback it removes the entry, so a command that lost a race against another
 * instance (a {@code ConcurrencyException}) or was rejected is retried on state read from the event store.
 * <p>
 * Axon's {@code WeakReferenceCache} would lose most entries at every garbage collection; this one is bounded by count.
 * Memory: an entitlement's state is a few hundred bytes.
 */
final class AggregateCache implements Cache {

    private final int capacity;
    private final Map<Object, Object> entries;
    private final List<EntryListener> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    AggregateCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1");
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Object> eldest) {
                if (size() <= AggregateCache.this.capacity) {
                    return false;
                }
                evictions.increment();
                listeners.forEach(listener -> listener.onEntryExpired(eldest.getKey()));
                return true;
            }
        };
    }

    /** Publishes hits, misses, evictions and size as {@code ledger.aggregate.cache.*}. */
    AggregateCache measuredBy(MeterRegistry meters) {
        FunctionCounter.builder("ledger.aggregate.cache.hits", hits, LongAdder::sum)
                .description("commands that found their entitlement in this instance's cache").register(meters);
        FunctionCounter.builder("ledger.aggregate.cache.misses", misses, LongAdder::sum)
                .description("commands that loaded their entitlement from the event store").register(meters);
        FunctionCounter.builder("ledger.aggregate.cache.evictions", evictions, LongAdder::sum)
                .description("entitlements dropped because the cache was full").register(meters);
        Gauge.builder("ledger.aggregate.cache.size", this, AggregateCache::size)
                .description("entitlements held in this instance's cache").register(meters);
        return this;
    }

    synchronized int size() {
        return entries.size();
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <K, V> V get(K key) {
        Object value = entries.get(key);
        (value == null ? misses : hits).increment();
        if (value != null) {
            listeners.forEach(listener -> listener.onEntryRead(key, value));
        }
        return (V) value;
    }

    @Override
    public synchronized void put(Object key, Object value) {
        if (value == null) {
            remove(key);
            return;
        }
        boolean existed = entries.put(key, value) != null;
        listeners.forEach(listener -> {
            if (existed) {
                listener.onEntryUpdated(key, value);
            } else {
                listener.onEntryCreated(key, value);
            }
        });
    }

    @Override
    public synchronized boolean putIfAbsent(Object key, Object value) {
        if (entries.containsKey(key)) {
            return false;
        }
        put(key, value);
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
        Object value = entries.get(key);
        if (value == null) {
            value = valueSupplier.get();
            put(key, value);
        }
        return (T) value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        Object value = entries.get(key);
        if (value != null) {
            put(key, update.apply((V) value));
        }
    }

    @Override
    public synchronized boolean remove(Object key) {
        if (entries.remove(key) == null) {
            return false;
        }
        listeners.forEach(listener -> listener.onEntryRemoved(key));
        return true;
    }

    @Override
    public synchronized void removeAll() {
        List.copyOf(entries.keySet()).forEach(this::remove);
    }

    @Override
    public synchronized boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
