package org.postern.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's start-up configuration for Postern (registered in META-INF/services): the application
 * ships no logback.xml; until {@code serve} applies the [log] settings through {@link Logging#configure},
 * warnings and errors go to standard error in the Postfix-style format. A logback.xml or
 * logback-test.xml on the class path (tests) still takes precedence.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        ClassLoader cl = DefaultLogConfigurator.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null
                || cl.getResource("logback-test.xml") != null || cl.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Logging.configureDefault(ctx);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
