package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ScrapeHttpClient} against a raw socket server that answers each request with bytes the
 * test chooses, so keep-alive, framing, redirects and failures are exercised byte for byte.
 */
class ScrapeHttpClientTest {

  private final ScrapeBufferPool pool = new ScrapeBufferPool();
  private final List<RawServer> servers = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (RawServer s : servers) {
      s.close();
    }
  }

  /** Answers request n (0-based, across connections) with responder(n); counts connections. */
  final class RawServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final BlockingQueue<String> heads = new LinkedBlockingQueue<>();
    volatile Function<Integer, byte[]> responder;
    /** How long the server pauses at each {@link #PAUSE}. */
    volatile int pauseMs = 30;
    /** Close the connection after this many responses on it (0: never). */
    volatile int closeAfter;

    RawServer(Function<Integer, byte[]> responder) throws IOException {
      this.responder = responder;
      servers.add(this);
      Thread t = new Thread(this::accept, "raw-server");
      t.setDaemon(true);
      t.start();
    }

    URI url(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket c = socket.accept();
          connections.incrementAndGet();
          Thread t = new Thread(() -> serve(c), "raw-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket c) {
      try (c) {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        int onThis = 0;
        while (true) {
          String head = readHead(in);
          if (head == null) {
            return;
          }
          heads.add(head);
          byte[] resp = responder.apply(requests.getAndIncrement());
          if (resp == null) {
            return; // drop the connection without answering
          }
          writeWithPauses(out, resp);
          onThis++;
          if (closeAfter > 0 && onThis >= closeAfter) {
            return;
          }
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    /** Writes {@code resp}, flushing and pausing at each {@link #PAUSE} so the client reads it in pieces. */
    private void writeWithPauses(OutputStream out, byte[] resp) throws IOException {
      String all = new String(resp, StandardCharsets.ISO_8859_1);
      for (String piece : all.split(PAUSE, -1)) {
        out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (all.contains(PAUSE)) {
          sleep(pauseMs);
        }
      }
    }

    private String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int x = in.read();
        if (x < 0) {
          return null;
        }
        b.write(x);
        state = (x == '\r' && (state == 0 || state == 2)) || (x == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** In a response: the server flushes and pauses here, so the client's read ends at this point. */
  static final String PAUSE = "<PAUSE>";

  /** A candidate cut point while a test builds a response; never part of a body. */
  static final char CUT = '\u0001';

  static byte[] ok(String body, String... headers) {
    StringBuilder sb = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    sb.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] raw(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private String get(ScrapeHttpClient.Connection c, long limit) throws IOException {
    ScrapeBuffer buf = new ScrapeBuffer(pool, 100);
    ScrapeHttpClient.Response r =
        c.get(Map.of("Accept", "text/plain"), System.nanoTime() + TimeUnit.SECONDS.toNanos(2), buf, limit);
    String body = new String(buf.bytes(), 0, buf.length(), StandardCharsets.ISO_8859_1);
    buf.release();
    return r.status() + " " + r.contentType() + " " + body;
  }

  private String get(ScrapeHttpClient.Connection c) throws IOException {
    return get(c, Long.MAX_VALUE);
  }

  @Test
  void keepsTheConnectionAliveAcrossScrapesAndSendsTheRequestHeaders() throws Exception {
    RawServer s = new RawServer(n -> ok("up " + n + "\n"));
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/metrics?x=1"));
    for (int i = 0; i < 3; i++) {
      assertThat(get(c)).isEqualTo("200 text/plain up " + i + "\n");
    }
    assertThat(s.connections).hasValue(1);
    String head = s.heads.take();
    assertThat(head).startsWith("GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + s.socket.getLocalPort() + "\r\n");
    assertThat(head).contains("Accept: text/plain\r\n").endsWith("\r\n\r\n");
  }

  @Test
  void aConnectionTheServerClosedWhileIdleIsReplacedWithoutFailingTheScrape() throws Exception {
    RawServer s = new RawServer(n -> ok("n " + n + "\n"));
    s.closeAfter = 1;
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/metrics"));
    assertThat(get(c)).endsWith("n 0\n");
    Thread.sleep(50); // the server has closed it by now
    assertThat(get(c)).endsWith("n 1\n");
    assertThat(s.connections).hasValue(2);
  }

  @Test
  void readsChunkedAndReadUntilCloseBodiesAndSkipsInterimResponses() throws Exception {
    RawServer s =
        new RawServer(
            n ->
                switch (n) {
                  case 0 -> raw("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                      + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: a/b\r\n\r\n"
                      + "5;ext=1\r\nup 1\n\r\n7\r\nfoo 23\n\r\n0\r\nTrailer: x\r\n\r\n");
                  case 1 -> raw("HTTP/1.0 200 OK\r\nContent-Type: c/d\r\n\r\nbar 2\n");
                  default -> ok("again\n");
                });
    s.closeAfter = 2;
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
    assertThat(get(c)).isEqualTo("200 a/b up 1\nfoo 23\n");
    assertThat(get(c)).isEqualTo("200 c/d bar 2\n"); // the body ends at the close
    assertThat(get(c)).isEqualTo("200 text/plain again\n");
    assertThat(s.connections).hasValue(2);
  }

  @Test
  void linesAndChunksSplitAcrossReadsAtAnyPointAreReadWhole() throws Exception {
    // Split between CR and LF of a status line, a header, a chunk size and a chunk's CRLF, and
    // inside chunk data: the client sees each piece in a read of its own.
    String body = "x".repeat(20_000) + "\n";
    RawServer s =
        new RawServer(
            n ->
                raw("HTTP/1.1 200 OK\r" + PAUSE + "\nContent-Type: a/b\r" + PAUSE + "\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                    + "3e8\r" + PAUSE + "\n" + body.substring(0, 500) + PAUSE + body.substring(500, 1000) + "\r" + PAUSE + "\n"
                    + Integer.toHexString(body.length() - 1000) + "\r\n" + body.substring(1000) + "\r\n"
                    + "0\r" + PAUSE + "\n\r" + PAUSE + "\n"));
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
    for (int i = 0; i < 2; i++) {
      assertThat(get(c)).isEqualTo("200 a/b " + body);
    }
    assertThat(s.connections).hasValue(1);
  }

  @Test
  void anyFramingCutIntoRandomPiecesReadsBackTheSameBody() throws Exception {
    // Random bodies, chunk sizes and cut points: Content-Length, chunked (with extensions and a
    // trailer) and read-until-close responses, each written in pieces with pauses between them.
    Random r = new Random(2026);
    for (int round = 0; round < 12; round++) {
      StringBuilder b = new StringBuilder();
      int len = r.nextInt(20_000);
      for (int i = 0; i < len; i++) {
        b.append((char) (r.nextInt(5) == 0 ? '\n' : 'a' + r.nextInt(26)));
      }
      String body = b.toString();
      String nl = "\r" + CUT + "\n"; // a CRLF the server may split between its CR and LF
      String framed =
          switch (round % 3) {
            case 0 -> "HTTP/1.1 200 OK" + nl + "Content-Type: t/x" + nl + "Content-Length: " + body.length() + nl + nl + body;
            case 1 -> {
              StringBuilder c = new StringBuilder("HTTP/1.1 200 OK" + nl + "Content-Type: t/x" + nl + "Transfer-Encoding: chunked" + nl + nl);
              for (int at = 0; at < body.length(); ) {
                int n = Math.min(body.length() - at, 1 + r.nextInt(3000));
                c.append(Integer.toHexString(n)).append(r.nextBoolean() ? ";x=y" : "").append(nl)
                    .append(body, at, at + n).append(nl);
                at += n;
              }
              yield c.append("0").append(nl).append("X-Trailer: 1").append(nl).append(nl).toString();
            }
            default -> "HTTP/1.0 200 OK" + nl + "Content-Type: t/x" + nl + nl + body;
          };
      // The response is cut at random points and inside CRLFs; the server pauses at half of them.
      StringBuilder cut = new StringBuilder();
      for (int at = 0; at < framed.length(); ) {
        int n = Math.min(framed.length() - at, 1 + r.nextInt(r.nextBoolean() ? 4 : 4000));
        cut.append(framed, at, at + n).append(CUT);
        at += n;
      }
      String pieces = cut.toString();
      StringBuilder marked = new StringBuilder();
      for (int i = 0; i < pieces.length(); i++) {
        char ch = pieces.charAt(i);
        if (ch != CUT) {
          marked.append(ch);
        } else if (r.nextBoolean()) {
          marked.append(PAUSE);
        }
      }
      byte[] response = raw(marked.toString());
      RawServer s = new RawServer(n -> response);
      s.closeAfter = 1;
      s.pauseMs = 1;
      ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
      ScrapeBuffer buf = new ScrapeBuffer(pool, 100);
      c.get(Map.of(), System.nanoTime() + TimeUnit.SECONDS.toNanos(30), buf, Long.MAX_VALUE);
      assertThat(new String(buf.bytes(), 0, buf.length(), StandardCharsets.ISO_8859_1))
          .as("round %d", round)
          .isEqualTo(body);
      buf.release();
      c.close();
    }
  }

  @Test
  void followsRedirectsOnTheSameAndOtherOriginsButNeverDowngradesFromHttps() throws Exception {
    RawServer other = new RawServer(n -> ok("moved here\n"));
    RawServer s =
        new RawServer(
            n ->
                switch (n) {
                  case 0 -> raw("HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n");
                  case 1 -> ok("new path\n");
                  default -> raw("HTTP/1.1 302 Found\r\nLocation: " + other.url("/m") + "\r\nContent-Length: 0\r\n\r\n");
                });
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/old"));
    assertThat(get(c)).isEqualTo("200 text/plain new path\n");
    assertThat(get(c)).isEqualTo("200 text/plain moved here\n");
    s.heads.take();
    assertThat(s.heads.take()).startsWith("GET /new HTTP/1.1");
  }

  @Test
  void anErrorStatusIsReturnedWithoutItsBody() throws Exception {
    RawServer s = new RawServer(n -> raw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nnope\n"));
    assertThat(get(ScrapeHttpClient.plain().connection(s.url("/")))).isEqualTo("503  ");
  }

  @Test
  void theDeadlineCoversHeadersAndBody() throws Exception {
    RawServer s =
        new RawServer(
            n -> {
              sleep(n == 0 ? 3000 : 0);
              return n == 0 ? ok("late\n") : raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
            });
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
    ScrapeBuffer buf = new ScrapeBuffer(pool, 100);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> c.get(Map.of(), System.nanoTime() + 300_000_000L, buf, Long.MAX_VALUE))
        .isInstanceOf(ScrapeHttpClient.DeadlineExceeded.class);
    assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
    assertThatThrownBy(() -> c.get(Map.of(), System.nanoTime() + 300_000_000L, buf, Long.MAX_VALUE))
        .isInstanceOf(ScrapeHttpClient.DeadlineExceeded.class);
  }

  @Test
  void bodiesAtTheWireLimitAreRefusedWithoutReadingThemWhole() throws Exception {
    String big = "x".repeat(100_000);
    RawServer s =
        new RawServer(
            n ->
                n == 0
                    ? ok(big)
                    : raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n"));
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
    assertThatThrownBy(() -> get(c, 1000)).isInstanceOf(BodyTooLarge.class);
    assertThatThrownBy(() -> get(c, 1000)).isInstanceOf(BodyTooLarge.class);
  }

  @Test
  void malformedResponsesAndTruncatedBodiesAreErrorsNamingTheProblem() throws Exception {
    RawServer s =
        new RawServer(
            n ->
                switch (n) {
                  case 0 -> raw("SSH-2.0-OpenSSH_9.6\r\n\r\n");
                  case 1 -> raw("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n");
                  case 2 -> raw("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n");
                  case 3 -> raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
                  default -> null; // closes without a response
                });
    s.closeAfter = 1;
    ScrapeHttpClient.Connection c = ScrapeHttpClient.plain().connection(s.url("/"));
    assertThatThrownBy(() -> get(c)).hasMessage("malformed HTTP response \"SSH-2.0-OpenSSH_9.6\"");
    assertThatThrownBy(() -> get(c)).hasMessage("malformed MIME header line: \"no colon here\"");
    assertThatThrownBy(() -> get(c)).hasMessage("bad Content-Length \"-3\"");
    assertThatThrownBy(() -> get(c)).hasMessage("malformed chunked encoding: chunk size \"zz\"");
    assertThatThrownBy(() -> get(c)).hasMessage("connection closed");
  }

  @Test
  void headerValuesWithLineBreaksAreRefused() {
    assertThatThrownBy(
            () -> ScrapeHttpClient.request(URI.create("http://h/m"), Map.of("Authorization", "Bearer x\r\nEvil: 1")))
        .hasMessage("invalid header field \"Authorization\"");
  }

  @Test
  void hostHeaderAndTargetOfIpv6AndUserinfoUrls() throws Exception {
    String req =
        new String(
            ScrapeHttpClient.request(URI.create("http://user:pw@[::1]:9100/metrics?a=%20b"), Map.of()),
            StandardCharsets.UTF_8);
    assertThat(req).isEqualTo("GET /metrics?a=%20b HTTP/1.1\r\nHost: [::1]:9100\r\n\r\n");
    assertThat(ScrapeHttpClient.host(URI.create("http://[::1]:9100/"))).isEqualTo("::1");
    assertThat(ScrapeHttpClient.port(URI.create("https://h/"))).isEqualTo(443);
  }

  @Test
  void aDeadTargetIsAConnectError() {
    ScrapeHttpClient.Connection c =
        ScrapeHttpClient.plain().connection(URI.create("http://127.0.0.1:1/metrics"));
    assertThatThrownBy(() -> get(c)).isInstanceOf(java.net.ConnectException.class);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
