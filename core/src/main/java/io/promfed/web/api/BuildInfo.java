package io.promfed.web.api;

/**
 * What {@code /api/v1/status/buildinfo} reports (Prometheus's {@code PrometheusVersion}). There is
 * deliberately no {@code features} member: Grafana takes a non-empty {@code data.features} as the
 * sign of a Mimir/Cortex ruler and would then call ruler APIs we do not have.
 *
 * @param version the release version
 * @param revision the VCS revision it was built from
 * @param branch the VCS branch
 * @param buildUser who built it ({@code user@host})
 * @param buildDate when ({@code 20060102-15:04:05} in Prometheus)
 * @param goVersion Prometheus's name for the toolchain version; here the Java runtime's
 */
public record BuildInfo(
    String version,
    String revision,
    String branch,
    String buildUser,
    String buildDate,
    String goVersion) {

  /**
   * The version from the manifest of the jar holding {@code app} ({@code Implementation-Version},
   * empty when not run from a jar, as an un-stamped Go binary reports empty strings), and the
   * running Java version as the toolchain.
   */
  public static BuildInfo of(Class<?> app) {
    String v = app.getPackage() == null ? null : app.getPackage().getImplementationVersion();
    return new BuildInfo(v == null ? "" : v, "", "", "", "", "java" + Runtime.version());
  }
}
