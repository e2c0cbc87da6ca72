package io.promfed.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What leaf-agent and master-aggregator both promise about the built-in UI (the UI in core's resources):
 * {@code /} redirects to {@code /graph}; every page is HTML revalidated on each use; every script
 * and stylesheet a page loads is served, ours revalidated (with Last-Modified for a cheap 304) and
 * the versioned WebJar cached for a year as immutable.
 */
public final class BuiltInUiCheck {

  public static final List<String> PAGES = List.of("/graph", "/targets", "/overview", "/status");

  private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/[^\"]+)\"");

  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  public BuiltInUiCheck(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public void assertServed() throws IOException, InterruptedException {
    HttpResponse<String> root = get("/");
    assertThat(root.statusCode()).as("GET /").isEqualTo(302);
    assertThat(root.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/graph"));

    List<String> assets = new ArrayList<>();
    for (String page : PAGES) {
      HttpResponse<String> r = get(page);
      assertThat(r.statusCode()).as("GET %s", page).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .as(page)
          .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/html"));
      assertThat(r.headers().firstValue("Cache-Control")).as(page).contains("no-cache");
      assertThat(r.body()).as(page).doesNotContain("@uplot.version@");
      Matcher m = ASSET.matcher(r.body());
      while (m.find()) {
        assets.add(m.group(1));
      }
    }
    assertThat(assets)
        .anyMatch(a -> a.startsWith("/webjars/uplot/"))
        .anyMatch(a -> a.startsWith("/ui/js/"));
    for (String asset : assets.stream().distinct().toList()) {
      HttpResponse<String> r = get(asset);
      assertThat(r.statusCode()).as("GET %s", asset).isEqualTo(200);
      if (asset.startsWith("/webjars/")) {
        assertThat(r.headers().firstValue("Cache-Control"))
            .as(asset)
            .contains("max-age=31536000, public, immutable");
      } else {
        assertThat(r.headers().firstValue("Cache-Control")).as(asset).contains("no-cache");
        String lastModified = r.headers().firstValue("Last-Modified").orElseThrow();
        HttpResponse<String> again =
            http.send(
                HttpRequest.newBuilder(URI.create(base + asset))
                    .header("If-Modified-Since", lastModified)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as("revalidating %s", asset).isEqualTo(304);
      }
    }
    // The scripts' own imports (ES modules) resolve too.
    for (String module :
        List.of("api", "chart", "nav", "autocomplete", "graph", "targets", "overview", "status")) {
      HttpResponse<String> r = get("/ui/js/" + module + ".js");
      assertThat(r.statusCode()).as(module).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .as(module)
          .hasValueSatisfying(ct -> assertThat(ct).contains("javascript"));
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
