package dev.roost.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Configures logging for a server process: JSON lines (the default when output is not a
 * terminal, for log shippers) or readable text, on standard error, at the given level.
 */
public final class LogSetup {
    private LogSetup() {
    }

    public enum Format {
        JSON,
        TEXT,
        AUTO
    }

    public static void configure(Format format, String level) {
        Format effective = format == Format.AUTO ? (System.console() != null ? Format.TEXT : Format.JSON) : format;
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (effective == Format.JSON) {
            JsonLineEncoder json = new JsonLineEncoder();
            json.setContext(context);
            json.start();
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(context);
            text.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0}%X{requestId:+ [}%X{requestId}%X{requestId:+]} - %msg%n");
            text.start();
            encoder = text;
        }
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("console");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO));
        root.addAppender(appender);
        // Libraries that are chatty at INFO.
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        context.getLogger("io.javalin").setLevel(Level.WARN);
        context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
        context.getLogger("org.flywaydb").setLevel(Level.WARN);
        context.getLogger("io.zonky").setLevel(Level.WARN);
        // The Docker client's debug output holds whole request bodies, secret environment values included.
        context.getLogger("org.apache.hc").setLevel(Level.WARN);
        context.getLogger("com.github.dockerjava").setLevel(Level.WARN);
    }
}
