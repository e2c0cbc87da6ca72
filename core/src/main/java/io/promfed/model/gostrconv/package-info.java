/**
 * Go's {@code strconv} quoting as Prometheus's messages show it: {@link
 * io.promfed.model.gostrconv.GoQuote} ({@code %q}, {@code %#U}, {@code strutil.Unquote}). Go's
 * float formatting lives with the exposition writers ({@link
 * io.promfed.model.exposition.GoFloatFormat}) and float parsing with the text parsers ({@link
 * io.promfed.model.textparse.GoFloatParser}).
 */
package io.promfed.model.gostrconv;
