package io.promfed.demo.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class HelloObservationPredicateTest {

  private final HelloObservationPredicate predicate = new HelloObservationPredicate();

  @Test
  void helloIsNotObserved() {
    assertThat(predicate.test("http.server.requests", serverRequest("/hello"))).isFalse();
  }

  @Test
  void otherPathsAreObserved() {
    assertThat(predicate.test("http.server.requests", serverRequest("/metrics"))).isTrue();
    assertThat(predicate.test("http.server.requests", serverRequest("/hello/x"))).isTrue();
  }

  @Test
  void otherObservationsAreUntouched() {
    assertThat(predicate.test("something.else", new Observation.Context())).isTrue();
  }

  private static ServerRequestObservationContext serverRequest(String servletPath) {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", servletPath);
    request.setServletPath(servletPath);
    return new ServerRequestObservationContext(request, new MockHttpServletResponse());
  }
}
