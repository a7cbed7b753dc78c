package dev.picante.demo.db;

import dev.picante.spring.data.RepositoryInputs;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.data.jdbc.repository.config.EnableJdbcRepositories;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The pages table's repository: created (and mirrored as the input {@code pageTable}) only with
 * {@code demo.docs.source=database}; with files, no repository is created, so the table (made by the demo's
 * Flyway migration in either mode) is not read.
 */
@Configuration(proxyBeanMethods = false)
class DatabasePagesConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "demo.docs.source", havingValue = "database")
    @EnableJdbcRepositories(basePackageClasses = PageRepository.class)
    static class Database {

        @Bean
        TablePages tablePages(ObjectProvider<RepositoryInputs> inputs, PageRepository repository,
                PlatformTransactionManager transactionManager, ApplicationEventPublisher events) {
            RepositoryInputs repositoryInputs = inputs.getIfAvailable();
            if (repositoryInputs == null) {
                throw new IllegalStateException("demo.docs.source=database reads the pages through a repository input,"
                        + " but there are none: picante.data.enabled is false (or the starter's Spring Data JDBC"
                        + " support is not active). Remove picante.data.enabled=false, or use demo.docs.source=files");
            }
            return new TablePages(repositoryInputs, repository, transactionManager, events);
        }
    }

    /** Files: an explicit repository configuration that creates none (else Boot would scan for PageRepository). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "demo.docs.source", havingValue = "files", matchIfMissing = true)
    @EnableJdbcRepositories(basePackageClasses = PageRepository.class, excludeFilters = @ComponentScan.Filter(
            type = FilterType.ASSIGNABLE_TYPE, classes = PageRepository.class))
    static class Files {
    }
}
