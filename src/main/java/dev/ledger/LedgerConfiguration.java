package dev.ledger;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Application-wide beans. */
@Configuration(proxyBeanMethods = false)
class LedgerConfiguration {

    /** UTC wall clock for command timestamps; tests replace it to move time. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
