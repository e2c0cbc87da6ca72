package io.promfed.config;

/**
 * A configuration file that cannot be used. The message names the source, the line and the problem,
 * e.g. {@code prometheus.yml:12: field scrape_intervall not found in type config.ScrapeConfig}; the
 * problem text follows Prometheus's own wording so that its documentation and issues stay useful.
 *
 * <p>Checked on purpose: a reload must decide to keep the previous configuration.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String sourceName;
  private final int line;
  private final int column;
  private final String problem;

  /**
   * @param sourceName the file name (or another label for in-memory input)
   * @param line 1-based line, or 0 when the problem has no position
   * @param column 1-based column, or 0 when unknown
   * @param problem what is wrong, without the position
   */
  public ConfigException(String sourceName, int line, int column, String problem) {
    this(sourceName, line, column, problem, null);
  }

  public ConfigException(String sourceName, int line, int column, String problem, Throwable cause) {
    super(line > 0 ? sourceName + ":" + line + ": " + problem : sourceName + ": " + problem, cause);
    this.sourceName = sourceName;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }

  /** The file name or label passed to the loader. */
  public String sourceName() {
    return sourceName;
  }

  /** 1-based line of the offending key or value; 0 when not applicable. */
  public int line() {
    return line;
  }

  /** 1-based column of the offending key or value; 0 when not applicable. */
  public int column() {
    return column;
  }

  /** The problem without the position, e.g. {@code job_name is empty}. */
  public String problem() {
    return problem;
  }
}
