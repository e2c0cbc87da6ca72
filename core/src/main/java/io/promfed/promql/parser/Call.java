package io.promfed.promql.parser;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A function call: {@code rate(x[5m])}. Immutable.
 *
 * @param function the called function's signature
 * @param args the arguments
 * @param positionRange from the function name to the closing parenthesis
 */
public record Call(Function function, List<Expr> args, PositionRange positionRange)
    implements Expr {

  public Call {
    args = List.copyOf(args);
  }

  @Override
  public ValueType type() {
    return function.returnType();
  }

  @Override
  public String toString() {
    return function.name()
        + "("
        + args.stream().map(Object::toString).collect(Collectors.joining(", "))
        + ")";
  }
}
