package io.promfed.web.api;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The request parameters of one API call, from the query string and a form-encoded POST body
 * together: Go's {@code r.Form}, which every Prometheus handler reads through {@code r.FormValue}
 * and {@code r.Form["match[]"]}. Implementations are read-only views; a servlet's {@code
 * getParameterMap()} fits {@link #ofArrays} without copying.
 */
@FunctionalInterface
public interface ApiParams {

  /** No parameters. */
  ApiParams EMPTY = name -> List.of();

  /** Every value of {@code name}, in request order; empty when absent. */
  List<String> values(String name);

  /** The first value of {@code name}, or {@code ""} when absent ({@code r.FormValue}). */
  default String get(String name) {
    List<String> v = values(name);
    return v.isEmpty() ? "" : v.get(0);
  }

  /** A view of a map of value lists. */
  static ApiParams of(Map<String, ? extends List<String>> params) {
    return name -> {
      List<String> v = params.get(name);
      return v == null ? List.of() : v;
    };
  }

  /** A view of a map of value arrays (a servlet request's parameter map). */
  static ApiParams ofArrays(Map<String, String[]> params) {
    return name -> {
      String[] v = params.get(name);
      return v == null ? List.of() : Arrays.asList(v);
    };
  }
}
