package dev.ledger.projection;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.stereotype.Component;

/**
 * The one retry policy of the projection tools, from Spring Retry: exponential backoff from
 * {@code ledger.projections.retry-backoff}, doubling up to {@code ledger.projections.retry-max-backoff}, for as long as
 * the caller allows; then the last failure is thrown. Failures of other types are thrown at once.
 */
@Component
public class ProjectionRetry {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRetry.class);

    private final ProjectionSettings settings;

    public ProjectionRetry(ProjectionSettings settings) {
        this.settings = settings;
    }

    /**
     * @param what        what is retried, for the log
     * @param giveUpAfter how long to keep trying
     * @param retryOn     the failure that is worth another attempt
     */
    public RetryTemplate retrying(String what, Duration giveUpAfter, Class<? extends Throwable> retryOn) {
        return RetryTemplate.builder()
                .withTimeout(giveUpAfter)
                .exponentialBackoff(settings.retryBackoff(), 2, settings.retryMaxBackoff())
                .retryOn(retryOn)
                .withListener(new RetryListener() {
                    @Override
                    public <T, E extends Throwable> void onError(
                            RetryContext context, RetryCallback<T, E> callback, Throwable failure) {
                        log.warn(
                                "{}: attempt {} failed, retrying for up to {}: {}",
                                what,
                                context.getRetryCount(),
                                giveUpAfter,
                                failure.toString());
                    }
                })
                .build();
    }
}
