package dev.ledger.database;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Under {@code ledger.database.authentication=iam}, the connection pool opens every connection with an RDS IAM token
 * ({@link RdsIamAuthentication}) instead of a password. Flyway, JPA and Axon use the same pool.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "ledger.database.authentication", havingValue = "iam")
class IamAuthenticationConfiguration {

    @Bean
    static BeanPostProcessor iamAuthenticatedPool() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof HikariDataSource pool) {
                    pool.addDataSourceProperty("authenticationPluginClassName", RdsIamAuthentication.class.getName());
                    pool.setPassword(null);
                }
                return bean;
            }
        };
    }
}
