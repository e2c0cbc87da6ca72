package io.promfed.promql.parser;

import java.util.List;

/**
 * A PromQL function's signature ({@code parser.Function}).
 *
 * @param name the function name
 * @param argTypes the argument types; with {@code variadic != 0} the last one repeats
 * @param variadic 0 for a fixed arity, n for up to n optional trailing arguments, -1 for any number
 * @param returnType the type of the result
 * @param experimental whether the function needs {@link
 *     ParserOptions#enableExperimentalFunctions()}
 */
public record Function(
    String name,
    List<ValueType> argTypes,
    int variadic,
    ValueType returnType,
    boolean experimental) {}
