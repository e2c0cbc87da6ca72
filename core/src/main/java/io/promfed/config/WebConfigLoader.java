package io.promfed.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads Prometheus's web configuration file ({@code --web.config.file}) strictly, as
 * exporter-toolkit does: unknown keys, a certificate without its key, client CAs without a client
 * auth policy, an unknown TLS version or a user whose password is not a bcrypt hash are errors
 * naming the file and line. Relative certificate paths are resolved against the file's directory.
 */
public final class WebConfigLoader {

  private static final Set<String> TOP_KEYS =
      Set.of("tls_server_config", "http_server_config", "basic_auth_users");
  private static final Set<String> TLS_KEYS =
      Set.of(
          "cert_file",
          "key_file",
          "client_auth_type",
          "client_ca_file",
          "min_version",
          "max_version",
          "prefer_server_cipher_suites");
  // Go's cipher and curve names have no one-to-one JSSE mapping; refusing them beats ignoring them.
  private static final Set<String> TLS_UNSUPPORTED =
      Set.of("cipher_suites", "curve_preferences", "client_allowed_sans", "cert", "key", "client_ca");
  private static final Set<String> HTTP_KEYS = Set.of("http2", "headers");
  private static final List<String> TLS_VERSIONS = List.of("TLS10", "TLS11", "TLS12", "TLS13");
  /** The response headers exporter-toolkit lets a web config set. */
  private static final Set<String> ALLOWED_HEADERS =
      Set.of(
          "Strict-Transport-Security",
          "X-Content-Type-Options",
          "X-Frame-Options",
          "X-XSS-Protection",
          "Content-Security-Policy");
  private static final Pattern BCRYPT = Pattern.compile("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}");

  private WebConfigLoader() {}

  public static WebConfig load(Path file) throws ConfigException {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(name, 0, 0, "cannot read file: " + e, e);
    }
    Path dir = file.toAbsolutePath().getParent();
    return loadString(text, name, dir);
  }

  /**
   * @param baseDir anchors relative certificate paths, or null to keep them as written
   */
  public static WebConfig loadString(String yaml, String sourceName, Path baseDir)
      throws ConfigException {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark();
      throw new ConfigException(
          sourceName, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, e.getProblem(), e);
    } catch (YAMLException e) {
      throw new ConfigException(sourceName, 0, 0, e.getMessage(), e);
    }
    if (NodeReader.isNull(root)) {
      return WebConfig.NONE; // an empty file, as exporter-toolkit allows
    }
    NodeReader r = new NodeReader(sourceName);
    NodeReader.Struct top = r.struct(root, "web.Config", TOP_KEYS, Set.of());
    WebConfig.TlsServer tls = null;
    if (!NodeReader.isNull(top.value("tls_server_config"))) {
      tls = tls(r, top.value("tls_server_config"), baseDir);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (!NodeReader.isNull(top.value("http_server_config"))) {
      NodeReader.Struct http =
          r.struct(top.value("http_server_config"), "web.HTTPConfig", HTTP_KEYS, Set.of());
      r.bool(http.value("http2")); // validated; Tomcat negotiates HTTP/2 by its own settings
      if (!NodeReader.isNull(http.value("headers"))) {
        for (Map.Entry<String, NodeTuple> e :
            r.map(http.value("headers"), "map[string]string").entrySet()) {
          if (!ALLOWED_HEADERS.contains(e.getKey())) {
            throw r.error(
                e.getValue().getKeyNode(),
                "HTTP header " + e.getKey() + " can not be customized");
          }
          headers.put(e.getKey(), r.string(e.getValue().getValueNode()));
        }
      }
    }
    Map<String, String> users = new LinkedHashMap<>();
    if (!NodeReader.isNull(top.value("basic_auth_users"))) {
      for (Map.Entry<String, NodeTuple> e :
          r.map(top.value("basic_auth_users"), "map[string]config.Secret").entrySet()) {
        String hash = r.string(e.getValue().getValueNode());
        if (!BCRYPT.matcher(hash).matches()) {
          throw r.error(
              e.getValue().getValueNode(),
              "basic_auth_users: the password of user " + e.getKey() + " must be a bcrypt hash"
                  + " (e.g. from htpasswd -nBC 10 \"\" | tr -d ':\\n')");
        }
        users.put(e.getKey(), hash);
      }
    }
    return new WebConfig(tls, headers, users);
  }

  private static WebConfig.TlsServer tls(NodeReader r, Node n, Path baseDir)
      throws ConfigException {
    NodeReader.Struct s = r.struct(n, "web.TLSConfig", TLS_KEYS, TLS_UNSUPPORTED);
    String cert = r.string(s.value("cert_file"));
    String key = r.string(s.value("key_file"));
    if (cert.isEmpty()) {
      throw r.error(s.node, "missing cert_file");
    }
    if (key.isEmpty()) {
      throw r.error(s.node, "missing key_file");
    }
    WebConfig.ClientAuth auth = WebConfig.ClientAuth.NoClientCert;
    String authText = r.string(s.value("client_auth_type"));
    if (!authText.isEmpty()) {
      try {
        auth = WebConfig.ClientAuth.valueOf(authText);
      } catch (IllegalArgumentException e) {
        throw r.error(s.value("client_auth_type"), "Invalid ClientAuth: " + authText);
      }
    }
    String clientCa = r.string(s.value("client_ca_file"));
    if (!clientCa.isEmpty() && auth == WebConfig.ClientAuth.NoClientCert) {
      throw r.error(
          s.at("client_ca_file"), "Client CA's have been configured without a Client Auth Policy");
    }
    String min = version(r, s, "min_version", "TLS12");
    String max = version(r, s, "max_version", "");
    if (!max.isEmpty() && TLS_VERSIONS.indexOf(max) < TLS_VERSIONS.indexOf(min)) {
      throw r.error(s.at("max_version"), "max_version " + max + " is below min_version " + min);
    }
    r.bool(s.value("prefer_server_cipher_suites"));
    return new WebConfig.TlsServer(
        resolve(baseDir, cert), resolve(baseDir, key), auth, resolve(baseDir, clientCa), min, max);
  }

  private static String version(NodeReader r, NodeReader.Struct s, String key, String dflt)
      throws ConfigException {
    String v = r.string(s.value(key));
    if (v.isEmpty()) {
      return dflt;
    }
    if (!TLS_VERSIONS.contains(v)) {
      throw r.error(s.value(key), "unknown TLS version: " + v);
    }
    return v;
  }

  private static String resolve(Path baseDir, String file) {
    if (file.isEmpty() || baseDir == null || Path.of(file).isAbsolute()) {
      return file;
    }
    return baseDir.resolve(file).toString();
  }
}
