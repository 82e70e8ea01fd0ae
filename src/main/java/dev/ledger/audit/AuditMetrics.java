package dev.ledger.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * {@code ledger.audit.failures} exists from the start (at 0) in every process of the service, web or not, so that the
 * alarm on it ({@code audit_write_failures} in {@code infra/}) has data rather than none.
 */
@Component
class AuditMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        AuditFilter.failures(registry);
    }
}
