/**
 * The head's inverted index (Prometheus's {@code tsdb/index} postings): {@link
 * io.promfed.tsdb.index.MemPostings} and the sorted {@link io.promfed.tsdb.index.Postings} lists
 * with hand-written intersection, union and subtraction.
 */
package io.promfed.tsdb.index;
