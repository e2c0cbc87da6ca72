package io.promfed.scrape;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The HTTP/1.1 client of the scrape path: one blocking GET at a time per target over a kept-alive
 * connection, the body read straight into the loop's {@link ScrapeBuffer}. A scrape is one
 * request and one response of known shape, so this replaces {@code java.net.http.HttpClient},
 * whose selector thread, worker-thread hand-offs, futures and per-read buffers cost about a sixth
 * of the leaf's CPU at 100k series (1.7 ms per 60 KB scrape; see docs/benchmarks.md).
 *
 * <p>What it does, as Go's transport does for Prometheus: keep-alive (a reused connection that
 * turns out to be closed by the server is retried once on a new one, the request being an
 * idempotent GET), {@code Content-Length}, chunked and read-until-close bodies, TLS with SNI and
 * hostname verification (against {@code server_name} when set), redirects (up to 10, never from
 * https to http), and one deadline covering connect, request, headers and body.
 *
 * <p>One instance per scrape pool (its TLS settings); each target has its own {@link Connection}.
 */
final class ScrapeHttpClient {

  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final SSLContext tls; // null: the JDK's default for https targets
  private final String serverName; // empty: the URL's host
  private final boolean followRedirects;

  ScrapeHttpClient(SSLContext tls, String serverName, boolean followRedirects) {
    this.tls = tls;
    this.serverName = serverName == null ? "" : serverName;
    this.followRedirects = followRedirects;
  }

  /** A client with the JDK's default trust for https, no server name override, following redirects. */
  static ScrapeHttpClient plain() {
    return new ScrapeHttpClient(null, "", true);
  }

  Connection connection(URI url) {
    return new Connection(url);
  }

  /**
   * What a response said, besides its body; {@code location} is its Location header, or null.
   */
  record Response(int status, String contentType, String contentEncoding, String location) {}

  /** The deadline passed. */
  static final class DeadlineExceeded extends IOException {
    DeadlineExceeded() {
      super("context deadline exceeded", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** A target's connection, kept open between scrapes. Not thread-safe: one scrape at a time. */
  final class Connection implements AutoCloseable {
    private final URI url;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Response bytes read ahead of what was consumed: {@code head[headPos, headEnd)}. */
    private final byte[] head = new byte[8192];
    private int headPos;
    private int headEnd;

    Connection(URI url) {
      this.url = url;
    }

    /**
     * GETs the URL and writes the body of a 200 response into {@code body} (other statuses are not
     * read). {@code wireLimit} bounds the bytes as received; reaching it throws {@link
     * BodyTooLarge}.
     */
    Response get(Map<String, String> headers, long deadlineNanos, ScrapeBuffer body, long wireLimit)
        throws IOException {
      URI target = url;
      for (int redirects = 0; ; redirects++) {
        boolean sameOrigin = sameOrigin(target, url);
        Response r;
        if (sameOrigin) {
          r = exchange(this, target, headers, deadlineNanos, body, wireLimit);
        } else {
          try (Connection once = new Connection(target)) {
            r = exchange(once, target, headers, deadlineNanos, body, wireLimit);
          }
        }
        if (!followRedirects || !isRedirect(r.status()) || r.location() == null) {
          return r;
        }
        if (redirects == MAX_REDIRECTS) {
          throw new IOException("stopped after " + MAX_REDIRECTS + " redirects");
        }
        URI next = target.resolve(r.location());
        if ("https".equalsIgnoreCase(target.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
          return r; // never downgrade, as HttpClient.Redirect.NORMAL
        }
        target = next;
        body.clear();
      }
    }

    private Response exchange(
        Connection c,
        URI target,
        Map<String, String> headers,
        long deadlineNanos,
        ScrapeBuffer body,
        long wireLimit)
        throws IOException {
      byte[] request = request(target, headers);
      boolean reused = c.socket != null;
      try {
        return c.roundTrip(request, deadlineNanos, body, wireLimit);
      } catch (StaleConnection e) {
        if (!reused) {
          throw e.getCause() instanceof IOException io ? io : new EOFException("connection closed");
        }
        // The server closed the idle connection: retry once on a new one (GET is idempotent).
        c.close();
        body.clear();
        return c.roundTrip(request, deadlineNanos, body, wireLimit);
      }
    }

    /** One request and response on this connection, opening it first if needed. */
    private Response roundTrip(
        byte[] request, long deadlineNanos, ScrapeBuffer body, long wireLimit) throws IOException {
      boolean ok = false;
      try {
        if (socket == null) {
          open(deadlineNanos);
        }
        boolean gotBytes;
        try {
          setTimeout(deadlineNanos);
          out.write(request);
          out.flush();
          gotBytes = fill(deadlineNanos);
        } catch (SocketTimeoutException e) {
          throw new DeadlineExceeded();
        } catch (DeadlineExceeded e) {
          throw e;
        } catch (IOException e) {
          throw new StaleConnection(e);
        }
        if (!gotBytes) {
          throw new StaleConnection(null);
        }
        int status;
        Headers h;
        do {
          status = statusLine(deadlineNanos);
          h = headers(deadlineNanos);
        } while (status >= 100 && status < 200); // interim responses (103 Early Hints)
        Response response = new Response(status, h.contentType, h.contentEncoding, h.location);
        if (status != 200) {
          return response; // body not read: the connection is closed below
        }
        readBody(h, deadlineNanos, body, wireLimit);
        ok = !h.close;
        return response;
      } catch (SocketTimeoutException e) {
        throw new DeadlineExceeded();
      } finally {
        if (!ok) {
          close();
        }
      }
    }

    private void open(long deadlineNanos) throws IOException {
      String host = host(url);
      int port = port(url);
      long ms = remainingMillis(deadlineNanos);
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, ms));
        if ("https".equalsIgnoreCase(url.getScheme())) {
          SSLContext ctx = tls != null ? tls : SSLContext.getDefault();
          SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, host, port, true);
          SSLParameters params = ssl.getSSLParameters();
          params.setEndpointIdentificationAlgorithm("HTTPS");
          if (!serverName.isEmpty()) {
            // JSSE verifies the certificate against the SNI name when one is set.
            params.setServerNames(java.util.List.of(new SNIHostName(serverName)));
          }
          ssl.setSSLParameters(params);
          ssl.setSoTimeout((int) Math.max(1, remainingMillis(deadlineNanos)));
          ssl.startHandshake();
          s = ssl;
        }
      } catch (SocketTimeoutException e) {
        s.close();
        throw new DeadlineExceeded();
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      } catch (java.security.NoSuchAlgorithmException e) {
        s.close();
        throw new IOException("no TLS: " + e.getMessage(), e);
      }
      socket = s;
      in = s.getInputStream();
      out = s.getOutputStream();
      headPos = 0;
      headEnd = 0;
    }

    // ---- reading the response

    private record Headers(
        String contentType,
        String contentEncoding,
        String location,
        long contentLength,
        boolean chunked,
        boolean close) {}

    /** The last status line said HTTP/1.0: the connection closes unless it says keep-alive. */
    private boolean http10;

    private int statusLine(long deadlineNanos) throws IOException {
      String line = line(deadlineNanos);
      // "HTTP/1.1 200 OK"
      if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
        throw new IOException("malformed HTTP response " + quote(line));
      }
      http10 = line.charAt(7) == '0';
      try {
        return Integer.parseInt(line.substring(9, 12));
      } catch (NumberFormatException e) {
        throw new IOException("malformed HTTP status code " + quote(line.substring(9)));
      }
    }

    private Headers headers(long deadlineNanos) throws IOException {
      String contentType = "";
      String contentEncoding = "";
      String location = null;
      long contentLength = -1;
      boolean chunked = false;
      boolean close = http10;
      int total = 0;
      while (true) {
        String line = line(deadlineNanos);
        if (line.isEmpty()) {
          break;
        }
        total += line.length();
        if (total > MAX_HEADER_BYTES) {
          throw new IOException("server response headers exceeded " + MAX_HEADER_BYTES + " bytes");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IOException("malformed MIME header line: " + quote(line));
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        switch (name) {
          case "content-type" -> contentType = value;
          case "content-encoding" -> contentEncoding = value;
          case "location" -> location = value;
          case "content-length" -> {
            long n;
            try {
              n = Long.parseLong(value);
            } catch (NumberFormatException e) {
              n = -2;
            }
            if (n < 0 || (contentLength >= 0 && contentLength != n)) {
              throw new IOException("bad Content-Length " + quote(value));
            }
            contentLength = n;
          }
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
          case "connection" -> {
            String v = value.toLowerCase(Locale.ROOT);
            close = v.contains("close") || (http10 && !v.contains("keep-alive"));
          }
          default -> {}
        }
      }
      if (chunked) {
        contentLength = -1;
      } else if (contentLength < 0) {
        close = true; // the body ends when the server closes the connection
      }
      return new Headers(contentType, contentEncoding, location, contentLength, chunked, close);
    }

    private void readBody(Headers h, long deadlineNanos, ScrapeBuffer body, long wireLimit)
        throws IOException {
      if (h.chunked) {
        while (true) {
          String sizeLine = line(deadlineNanos);
          int semi = sizeLine.indexOf(';');
          String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
          long size;
          try {
            size = Long.parseLong(hex, 16);
          } catch (NumberFormatException e) {
            throw new IOException("malformed chunked encoding: chunk size " + quote(sizeLine));
          }
          if (size < 0) {
            throw new IOException("malformed chunked encoding: chunk size " + quote(sizeLine));
          }
          if (size == 0) {
            while (!line(deadlineNanos).isEmpty()) {
              // trailers: ignored
            }
            return;
          }
          readExactly(size, deadlineNanos, body, wireLimit);
          if (!line(deadlineNanos).isEmpty()) {
            throw new IOException("malformed chunked encoding: no CRLF after chunk data");
          }
        }
      }
      if (h.contentLength >= 0) {
        if (h.contentLength >= wireLimit) {
          throw new BodyTooLarge();
        }
        readExactly(h.contentLength, deadlineNanos, body, wireLimit);
        return;
      }
      // Until the server closes the connection.
      while (true) {
        if (headPos == headEnd && !fill(deadlineNanos)) {
          return;
        }
        take(headEnd - headPos, body, wireLimit);
      }
    }

    private void readExactly(long n, long deadlineNanos, ScrapeBuffer body, long wireLimit)
        throws IOException {
      long left = n;
      if (headPos < headEnd) {
        int k = (int) Math.min(left, headEnd - headPos);
        take(k, body, wireLimit);
        left -= k;
      }
      while (left > 0) {
        if (body.length() + left >= wireLimit) {
          throw new BodyTooLarge();
        }
        body.ensureFree((int) Math.min(left, 1 << 20));
        setTimeout(deadlineNanos);
        int r = in.read(body.bytes(), body.length(), (int) Math.min(left, body.free()));
        if (r < 0) {
          throw new EOFException("unexpected EOF");
        }
        body.advance(r);
        left -= r;
      }
    }

    /** Moves {@code k} read-ahead bytes into the body. */
    private void take(int k, ScrapeBuffer body, long wireLimit) throws BodyTooLarge {
      body.append(head, headPos, k);
      headPos += k;
      if (body.length() >= wireLimit) {
        throw new BodyTooLarge();
      }
    }

    /** A header or chunk-size line without its CRLF (a bare LF is accepted, as Go does). */
    private String line(long deadlineNanos) throws IOException {
      StringBuilder sb = null;
      while (true) {
        for (int i = headPos; i < headEnd; i++) {
          if (head[i] == '\n') {
            String part = new String(head, headPos, i - headPos, StandardCharsets.ISO_8859_1);
            headPos = i + 1;
            // The CR may have come in the previous read: strip it from the whole line.
            String line = sb == null ? part : sb.append(part).toString();
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
          }
        }
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(new String(head, headPos, headEnd - headPos, StandardCharsets.ISO_8859_1));
        if (sb.length() > MAX_HEADER_BYTES) {
          throw new IOException("server response line exceeded " + MAX_HEADER_BYTES + " bytes");
        }
        headPos = headEnd;
        if (!fill(deadlineNanos)) {
          throw new EOFException("unexpected EOF");
        }
      }
    }

    /** Reads more bytes into the empty read-ahead buffer; false at end of stream. */
    private boolean fill(long deadlineNanos) throws IOException {
      headPos = 0;
      headEnd = 0;
      setTimeout(deadlineNanos);
      int r = in.read(head, 0, head.length);
      if (r < 0) {
        return false;
      }
      headEnd = r;
      return true;
    }

    private void setTimeout(long deadlineNanos) throws IOException {
      long ms = remainingMillis(deadlineNanos);
      if (ms <= 0) {
        throw new DeadlineExceeded();
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, ms));
    }

    @Override
    public void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing: nothing to do about it
        }
        socket = null;
        in = null;
        out = null;
      }
    }
  }

  /** A reused connection failed before any response byte: the server had closed it. */
  private static final class StaleConnection extends IOException {
    StaleConnection(IOException cause) {
      super("connection closed", cause);
    }
  }

  private static long remainingMillis(long deadlineNanos) {
    long nanos = deadlineNanos - System.nanoTime();
    return nanos <= 0 ? 0 : Math.max(1, nanos / 1_000_000);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && host(a).equalsIgnoreCase(host(b))
        && port(a) == port(b);
  }

  /** The host to connect to: brackets of an IPv6 literal removed. */
  static String host(URI u) {
    String h = u.getHost();
    if (h == null) {
      throw new IllegalArgumentException("URL has no host: " + u);
    }
    return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
  }

  static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** The request bytes: GET, Host, then the given headers (checked for CR and LF). */
  static byte[] request(URI u, Map<String, String> headers) throws IOException {
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    StringBuilder sb = new StringBuilder(256).append("GET ").append(path);
    if (u.getRawQuery() != null) {
      sb.append('?').append(u.getRawQuery());
    }
    sb.append(" HTTP/1.1\r\nHost: ").append(u.getRawAuthority().replaceFirst("^.*@", ""));
    sb.append("\r\n");
    for (Map.Entry<String, String> e : headers.entrySet()) {
      String name = e.getKey();
      String value = e.getValue();
      if (name.isEmpty() || hasLineBreak(name) || name.indexOf(':') >= 0 || hasLineBreak(value)) {
        throw new IOException("invalid header field " + quote(name));
      }
      sb.append(name).append(": ").append(value).append("\r\n");
    }
    sb.append("\r\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean hasLineBreak(String s) {
    return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
  }

  private static String quote(String s) {
    return '"' + (s.length() > 100 ? s.substring(0, 100) + "..." : s) + '"';
  }
}
