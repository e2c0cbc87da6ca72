package io.promfed.demo.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** Expected lines are what the seed's Go program writes for the same time and address. */
class GoLogLineEncoderTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private final CallSite site = new CallSite();
  private final String siteText = site.fileAndLine(); // this test's own file and line

  @Test
  void successLineHasGosShape() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(ZoneOffset.UTC);

    String line = encode(encoder, at(2026, 11, 25, 18, 4, 5, ZoneOffset.UTC), "127.0.0.1", 54321,
        Outcome.SUCCESS);

    assertThat(line)
        .isEqualTo("INFO2026/11/25 18:04:05 " + siteText
            + ": connect from  127.0.0.1:54321  Success!!!\n");
  }

  @Test
  void failedLine() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(ZoneOffset.UTC);

    assertThat(encode(encoder, at(2026, 1, 2, 3, 4, 5, ZoneOffset.UTC), "10.0.0.7", 80,
            Outcome.FAILED))
        .isEqualTo("INFO2026/01/02 03:04:05 " + siteText
            + ": connect from  10.0.0.7:80  Failed!!!\n");
  }

  @Test
  void siteIsTheLineThatAsked() {
    assertThat(siteText).matches("GoLogLineEncoderTest\\.java:\\d+");
  }

  /** net.JoinHostPort brackets IPv6 hosts. */
  @Test
  void ipv6AddressesAreBracketed() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(ZoneOffset.UTC);

    assertThat(encode(encoder, at(2026, 11, 25, 0, 0, 0, ZoneOffset.UTC), "0:0:0:0:0:0:0:1", 1,
            Outcome.SUCCESS))
        .contains("connect from  [0:0:0:0:0:0:0:1]:1  Success!!!\n");
  }

  /** Go's logger uses local time; here the zone's offset changes across the DST switch. */
  @Test
  void timeIsInTheClocksZone() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(BERLIN);

    assertThat(encode(encoder, at(2026, 1, 15, 12, 0, 0, ZoneOffset.UTC), "127.0.0.1", 1,
            Outcome.SUCCESS))
        .startsWith("INFO2026/01/15 13:00:00 ");
    assertThat(encode(encoder, at(2026, 7, 15, 12, 0, 0, ZoneOffset.UTC), "127.0.0.1", 1,
            Outcome.SUCCESS))
        .startsWith("INFO2026/07/15 14:00:00 ");
  }

  /** The per-second cache must notice the next second, and a jump back. */
  @Test
  void cachedDateFollowsTheSeconds() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(ZoneOffset.UTC);
    long midnight = at(2027, 1, 1, 0, 0, 0, ZoneOffset.UTC);

    assertThat(encode(encoder, midnight - 1, "127.0.0.1", 1, Outcome.SUCCESS))
        .startsWith("INFO2026/12/31 23:59:59 ");
    assertThat(encode(encoder, midnight - 1000, "127.0.0.1", 1, Outcome.SUCCESS))
        .startsWith("INFO2026/12/31 23:59:59 ");
    assertThat(encode(encoder, midnight, "127.0.0.1", 1, Outcome.SUCCESS))
        .startsWith("INFO2027/01/01 00:00:00 ");
    assertThat(encode(encoder, midnight + 999, "127.0.0.1", 1, Outcome.SUCCESS))
        .startsWith("INFO2027/01/01 00:00:00 ");
    assertThat(encode(encoder, midnight - 1001, "127.0.0.1", 1, Outcome.SUCCESS))
        .startsWith("INFO2026/12/31 23:59:58 ");
  }

  @Test
  void longLinesGrowTheBuffer() {
    GoLogLineEncoder encoder = new GoLogLineEncoder(ZoneOffset.UTC);
    String longAddress = "fe80:0:0:0:0:0:0:1%" + "x".repeat(300);

    assertThat(encode(encoder, 0, longAddress, 65535, Outcome.FAILED))
        .endsWith("connect from  [" + longAddress + "]:65535  Failed!!!\n");
    assertThat(encode(encoder, 0, "127.0.0.1", 9, Outcome.SUCCESS))
        .endsWith("connect from  127.0.0.1:9  Success!!!\n");
  }

  private String encode(GoLogLineEncoder encoder, long epochMillis, String addr, int port,
      Outcome outcome) {
    int length = encoder.encode(new AccessLogEntry(epochMillis, addr, port, outcome, site));
    return new String(encoder.bytes(), 0, length, StandardCharsets.US_ASCII);
  }

  private static long at(int year, int month, int day, int hour, int minute, int second,
      ZoneId zone) {
    return ZonedDateTime.of(year, month, day, hour, minute, second, 0, zone)
        .toInstant()
        .toEpochMilli();
  }
}
