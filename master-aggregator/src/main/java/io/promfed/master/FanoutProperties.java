package io.promfed.master;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The master's answer to federation's first weakness: queries read the leaves' raw series (remote
 * read) and merge them with the master's own, so the master is one global view without copying
 * all data. {@code enabled=false} answers from the master's head alone, as a Prometheus master
 * does.
 */
@ConfigurationProperties("master.fanout")
public record FanoutProperties(@DefaultValue("true") boolean enabled) {}
