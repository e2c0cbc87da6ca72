package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The writer's bytes against what Prometheus's encoders write: json-iterator's two string encoders,
 * Go's encoding/json, and jsonutil's number formats.
 */
class JsonWriterTest {

  interface Body {
    void write(JsonWriter w) throws IOException;
  }

  static String json(Body b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonWriter w = new JsonWriter(out);
    b.write(w);
    w.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  static final String NASTY = "a\"b\\c\n\r\t\b\f\u0001\u001f<>&\u007f\u2028\u2029é🙂";

  @Test
  void plainStringsEscapeHtmlLikeJsoniterCompatibleConfig() throws IOException {
    assertThat(json(w -> w.string(NASTY)))
        .isEqualTo(
            "\"a\\\"b\\\\c\\n"
                + "\\r"
                + "\\t\\u0008\\u000c\\u0001\\u001f\\u003c\\u003e\\u0026\u007f\\u2028\\u2029é🙂\"");
  }

  @Test
  void labelStringsEscapeOnlyQuotesBackslashesAndControls() throws IOException {
    assertThat(json(w -> w.labelString(NASTY)))
        .isEqualTo("\"a\\\"b\\\\c\\n\\r\\t\\u0008\\u000c\\u0001\\u001f<>&\u007f\u2028\u2029é🙂\"");
  }

  @Test
  void goJsonStringsWriteBackspaceAndFormFeedShort() throws IOException {
    assertThat(json(w -> w.goJsonString(NASTY)))
        .isEqualTo(
            "\"a\\\"b\\\\c\\n"
                + "\\r"
                + "\\t\\b\\f\\u0001\\u001f\\u003c\\u003e\\u0026\u007f\\u2028\\u2029é🙂\"");
  }

  @Test
  void loneSurrogatesBecomeTheReplacementCharacter() throws IOException {
    assertThat(json(w -> w.string("x\ud800y"))).isEqualTo("\"x\\ufffdy\"");
    assertThat(json(w -> w.labelString("x\udc00"))).isEqualTo("\"x\ufffd\"");
  }

  @Test
  void sampleValuesAreStringsInMarshalFloatFormat() throws IOException {
    assertThat(
            json(
                w ->
                    w.beginArray()
                        .sampleValue(1)
                        .sampleValue(-0.0)
                        .sampleValue(0.1)
                        .sampleValue(1e-6)
                        .sampleValue(9.99e-7)
                        .sampleValue(1e21)
                        .sampleValue(123456789012345678.0)
                        .sampleValue(Double.NaN)
                        .sampleValue(Double.POSITIVE_INFINITY)
                        .sampleValue(Double.NEGATIVE_INFINITY)
                        .endArray()))
        .isEqualTo(
            "[\"1\",\"-0\",\"0.1\",\"0.000001\",\"9.99e-07\",\"1e+21\",\"123456789012345680\","
                + "\"NaN\",\"+Inf\",\"-Inf\"]");
  }

  @Test
  void numbersAreJsonNumbersWithTheExponentPaddingStripped() throws IOException {
    assertThat(
            json(
                w ->
                    w.beginArray()
                        .number(0.0)
                        .number(1.5)
                        .number(1e-7)
                        .number(1.5e-7)
                        .number(1e-10)
                        .number(1e21)
                        .number(Double.NaN)
                        .number(42L)
                        .number(Long.MIN_VALUE)
                        .endArray()))
        .isEqualTo("[0,1.5,1e-7,1.5e-7,1e-10,1e+21,null,42,-9223372036854775808]");
  }

  @Test
  void timestampsAreSecondsWithThreeFractionDigitsWhenNotWhole() throws IOException {
    assertThat(
            json(
                w ->
                    w.beginArray()
                        .timestamp(0)
                        .timestamp(1435781451781L)
                        .timestamp(1500)
                        .timestamp(1050)
                        .timestamp(1005)
                        .timestamp(-1)
                        .timestamp(-1500)
                        .endArray()))
        .isEqualTo("[0,1435781451.781,1.500,1.050,1.005,-0.001,-1.500]");
  }

  @Test
  void objectsArraysAndCommas() throws IOException {
    assertThat(
            json(
                w -> {
                  w.beginObject();
                  w.name("a").beginArray().endArray();
                  w.name("b").beginObject().endObject();
                  w.name("c").labels(Labels.of("__name__", "up", "job", "<a>"));
                  w.name("d")
                      .beginArray()
                      .bool(true)
                      .nullValue()
                      .beginArray()
                      .number(1L)
                      .endArray();
                  w.endArray();
                  w.name("e<").string("");
                  w.endObject();
                }))
        .isEqualTo(
            "{\"a\":[],\"b\":{},\"c\":{\"__name__\":\"up\",\"job\":\"<a>\"},\"d\":[true,null,[1]],"
                + "\"e\\u003c\":\"\"}");
  }

  @Test
  void longOutputsFlushThroughTheBuffer() throws IOException {
    String big = "x".repeat(100_000);
    String out =
        json(
            w -> {
              w.beginArray();
              for (int i = 0; i < 10_000; i++) {
                w.timestamp(i).sampleValue(i * 0.5);
              }
              w.string(big);
              w.endArray();
            });
    assertThat(out).startsWith("[0,\"0\",0.001,\"0.5\"").endsWith(big + "\"]");
  }
}
