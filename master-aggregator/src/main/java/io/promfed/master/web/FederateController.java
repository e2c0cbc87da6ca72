package io.promfed.master.web;

import io.promfed.model.labels.Matcher;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.web.federate.FederateHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /federate}: {@code match[]} from the query string or a form POST (Prometheus calls
 * ParseForm), a bad selector answers 400 with the parser's message as plain text, and the body
 * streams straight to the response (gzip by the server when the client asks).
 */
@RestController
class FederateController {

  private final FederateHandler handler;

  FederateController(FederateHandler handler) {
    this.handler = handler;
  }

  @RequestMapping(
      path = "/federate",
      method = {RequestMethod.GET, RequestMethod.POST})
  void federate(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String[] values = request.getParameterValues("match[]");
    List<List<Matcher>> selectors;
    try {
      selectors = FederateHandler.parseSelectors(values == null ? List.of() : Arrays.asList(values));
    } catch (PromQLParseException e) {
      PlainText.error(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
      return;
    }
    response.setContentType(FederateHandler.CONTENT_TYPE);
    handler.write(selectors, response.getOutputStream());
  }
}
