/**
 * PromQL syntax: the {@link io.promfed.promql.parser.Lexer}, the recursive-descent {@link
 * io.promfed.promql.parser.Parser}, the immutable AST ({@link io.promfed.promql.parser.Expr} and
 * its records) and its printer ({@code toString()}), following Prometheus's {@code promql/parser}
 * (v3.0 grammar: no experimental duration arithmetic, {@code fill()}, {@code anchored} or {@code
 * smoothed}). Error messages and positions match Prometheus's, e.g. {@code 1:7: parse error:
 * unexpected <op:->}.
 */
package io.promfed.promql.parser;
