package io.promfed.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.testing.ExternalBinary;
import io.promfed.testing.ModuleJar;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The built-in UI in headless Chromium, against the local suite: two demo-server pods and a
 * leaf-agent as real processes, and the master federating from the leaf with the seed's job. The
 * graph page charts a query, the overview counts the /hello requests sent, the status page shows
 * the head, and once the leaf is stopped the targets page shows it down. Screenshots of each page
 * go to target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiIT {

  static final int GETS_A = 9;
  static final int GETS_B = 5;
  static final int POSTS_B = 3;
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final Duration PATIENCE = Duration.ofSeconds(90);

  Path dir;
  final List<Process> processes = new ArrayList<>();
  Process leafProcess;
  int leafPort;
  ConfigurableApplicationContext master;
  String masterUrl;
  WebDriver browser;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startSuiteAndBrowser() throws Exception {
    Path chromium = ExternalBinary.require("chromium");
    Path chromedriver = ExternalBinary.require("chromedriver");
    Path demoJar = ModuleJar.require("demo-server");
    Path leafJar = ModuleJar.require("leaf-agent");
    dir = Files.createTempDirectory("promfed-webui-it");
    Files.createDirectories(SCREENSHOTS);

    int podA = freePort();
    int podB = freePort();
    for (int port : new int[] {podA, podB}) {
      startJava(
          "demo-" + port,
          demoJar,
          "--server.port=" + port,
          "--server.address=127.0.0.1",
          "--demo.access-log.path=" + dir.resolve("access_log." + port));
    }
    leafPort = freePort();
    Path leafConfig =
        write(
            "leaf.yml",
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
              external_labels: {cluster: local}
            scrape_configs:
              - job_name: golang-server
                static_configs:
                  - targets: ['127.0.0.1:%d', '127.0.0.1:%d']
            """
                .formatted(podA, podB));
    leafProcess =
        startJava(
            "leaf",
            leafJar,
            "--config.file=" + leafConfig,
            "--server.port=" + leafPort,
            "--server.address=127.0.0.1");

    Path masterConfig =
        write(
            "master.yml",
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
            scrape_configs:
              - job_name: "federate"
                honor_labels: true
                metrics_path: '/federate'
                params:
                  'match[]':
                    - '{__name__=~"job:.*"}'
                    - '{__name__=~".+"}'
                static_configs:
                  - targets: ["127.0.0.1:%d"]
            """
                .formatted(leafPort));
    master =
        SpringApplication.run(
            MasterAggregatorApplication.class,
            "--config.file=" + masterConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    masterUrl =
        "http://127.0.0.1:" + ((WebServerApplicationContext) master).getWebServer().getPort();

    // The requests, spread over the two pods as a Service would; POSTs count as failures.
    eventually("http://127.0.0.1:" + podA + "/hello", "hello!!!");
    eventually("http://127.0.0.1:" + podB + "/hello", "hello!!!");
    for (int i = 1; i < GETS_A; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + podA + "/hello")).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    for (int i = 1; i < GETS_B; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + podB + "/hello")).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    for (int i = 0; i < POSTS_B; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + podB + "/hello"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
    int total = GETS_A + GETS_B + POSTS_B;
    eventually(
        masterUrl + "/api/v1/query?query=" + encode("sum(http_request_total)"),
        ",\"" + total + "\"]");

    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-US");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1280, 900));
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (master != null) {
      master.close();
    }
    for (Process p : processes) {
      p.destroy();
      p.waitFor();
    }
  }

  @Test
  @Order(1)
  void graphPageCompletesAMetricNameAndChartsTheQuery() throws Exception {
    browser.get(masterUrl + "/");
    wait(ExpectedConditions.urlContains("/graph"));
    new Select(browser.findElement(By.id("range"))).selectByVisibleText("5m");
    WebElement expr = browser.findElement(By.id("expr"));
    expr.sendKeys("http_request_suc");
    // The completion list offers the metric name from /api/v1/label/__name__/values.
    wait(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("autocomplete"), "http_request_success_total"));
    expr.sendKeys(Keys.ENTER);
    assertThat(expr.getAttribute("value")).isEqualTo("http_request_success_total");
    expr.clear();
    expr.sendKeys("sum by (instance) (http_request_total)");
    browser.findElement(By.id("execute")).click();

    WebElement chart = browser.findElement(By.id("chart"));
    wait(d -> "2".equals(chart.getAttribute("data-series")));
    assertThat(Integer.parseInt(chart.getAttribute("data-points"))).isGreaterThan(2);
    assertThat(chart.findElements(By.cssSelector("canvas"))).isNotEmpty();
    assertThat(chart.findElements(By.cssSelector(".u-legend .u-series")).size())
        .isGreaterThanOrEqualTo(2);
    assertThat(chart.getText()).contains("instance=\"127.0.0.1:");
    screenshot("graph");

    // A PromQL error is shown in place, with the API's error type and message.
    expr.clear();
    expr.sendKeys("sum(rate(http_request_total[1m])");
    browser.findElement(By.id("execute")).click();
    WebElement error = browser.findElement(By.id("error"));
    wait(ExpectedConditions.visibilityOf(error));
    assertThat(error.getText()).startsWith("bad_data: ").contains("parse error");

    // The table view answers the instant query.
    expr.clear();
    expr.sendKeys("http_request_fail_total");
    browser.findElement(By.id("tab-table")).click();
    WebElement table = browser.findElement(By.id("table"));
    wait(d -> "2".equals(table.getAttribute("data-rows")));
    assertThat(table.getText()).contains("http_request_fail_total{cluster=\"local\"");
    assertThat(error.isDisplayed()).isFalse();
  }

  @Test
  @Order(2)
  void overviewCountsTheHelloRequestsPerPod() throws Exception {
    browser.get(masterUrl + "/overview");
    int total = GETS_A + GETS_B + POSTS_B;
    wait(
        d ->
            String.valueOf(total).equals(d.findElement(By.id("total")).getAttribute("data-value")));
    assertThat(browser.findElement(By.id("success")).getText())
        .isEqualTo(String.valueOf(GETS_A + GETS_B));
    assertThat(browser.findElement(By.id("fail")).getText()).isEqualTo(String.valueOf(POSTS_B));
    List<WebElement> pods = browser.findElements(By.cssSelector("#pods tbody tr"));
    assertThat(pods).hasSize(2);
    assertThat(pods)
        .extracting(WebElement::getText)
        .anySatisfy(row -> assertThat(row).contains(" " + GETS_A + " " + GETS_A + " 0 100.0%"))
        .anySatisfy(
            row ->
                assertThat(row)
                    .contains(" " + (GETS_B + POSTS_B) + " " + GETS_B + " " + POSTS_B + " "));
    // It refreshes by itself: new requests show up without reloading the page.
    http.send(
        HttpRequest.newBuilder(URI.create(podUrl(pods.get(0)) + "/hello")).build(),
        HttpResponse.BodyHandlers.discarding());
    wait(
        d ->
            String.valueOf(total + 1)
                .equals(d.findElement(By.id("total")).getAttribute("data-value")));
    wait(d -> d.findElement(By.id("rate-chart")).getAttribute("data-series") != null);
    screenshot("overview");
  }

  @Test
  @Order(3)
  void statusShowsTheHeadBuildAndConfig() throws Exception {
    browser.get(masterUrl + "/status");
    wait(
        d ->
            d.findElement(By.cssSelector("#storage [data-key='Series in the head']"))
                .getText()
                .matches("[0-9,]+"));
    assertThat(browser.findElement(By.cssSelector("#storage [data-key='Head memory']")).getText())
        .matches("[0-9.]+ (B|KiB|MiB|GiB)");
    wait(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("config"), "metrics_path: '/federate'"));
    assertThat(browser.findElement(By.id("flags")).getText())
        .contains("storage.tsdb.retention.time");
    screenshot("status");
  }

  @Test
  @Order(4)
  void targetsPageShowsAStoppedLeafAsDown() throws Exception {
    browser.get(masterUrl + "/targets");
    By leafRow = By.cssSelector("section[data-pool='federate'] tr.target");
    wait(d -> "up".equals(d.findElement(leafRow).getAttribute("data-health")));
    assertThat(browser.findElement(By.cssSelector("section[data-pool='federate'] h2")).getText())
        .contains("(1/1 up)")
        .contains("leaves");

    leafProcess.destroy();
    leafProcess.waitFor();
    // The page refreshes itself; the master's next scrape of the leaf fails.
    wait(d -> "down".equals(d.findElement(leafRow).getAttribute("data-health")));
    WebElement row = browser.findElement(leafRow);
    assertThat(row.findElement(By.cssSelector(".health")).getText()).isEqualTo("DOWN");
    assertThat(row.findElement(By.cssSelector(".last-error")).getText()).isNotBlank();
    // The whole row stands out in red (--down-bg).
    assertThat(row.findElement(By.cssSelector("td")).getCssValue("background-color"))
        .isEqualTo("rgba(255, 235, 233, 1)");
    assertThat(browser.findElement(By.cssSelector("section[data-pool='federate'] h2")).getText())
        .contains("(0/1 up)");
    screenshot("targets-leaf-down");
  }

  String podUrl(WebElement podRow) {
    return "http://" + podRow.findElement(By.cssSelector("td")).getText();
  }

  void wait(java.util.function.Function<WebDriver, ?> condition) {
    new WebDriverWait(browser, PATIENCE).until(condition);
  }

  void screenshot(String name) throws IOException {
    Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(
        png, SCREENSHOTS.resolve("ui-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  Process startJava(String name, Path jar, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void eventually(String url, String fragment) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last =
            http.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        if (last.contains(fragment)) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("never saw " + fragment + " at " + url + "; last: " + last);
  }
}
