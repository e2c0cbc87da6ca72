package io.promfed.model.labels;

import java.util.Arrays;

/**
 * A mutable, reusable label set that builds {@link Labels}. Setting an empty value deletes the
 * label, as in Prometheus's {@code labels.Builder}. Not thread-safe: one builder per loop.
 *
 * <p>Parsers use {@link #add} instead, which keeps a label with an empty value until {@link
 * #build()}: the scrape needs to see that a sample carried {@code instance=""} (federation's
 * marker for "no instance", web/federate.go) so that {@code honor_labels} does not overwrite it,
 * while the stored series, like Prometheus's head, never holds empty labels.
 */
public final class LabelsBuilder {

  private String[] names = new String[16];
  private String[] values = new String[16];
  private int size;

  public LabelsBuilder() {}

  public LabelsBuilder(Labels base) {
    reset(base);
  }

  /** Clears the builder and starts from {@code base}. */
  public LabelsBuilder reset(Labels base) {
    size = 0;
    ensure(base.size());
    for (int i = 0; i < base.size(); i++) {
      names[i] = base.name(i);
      values[i] = base.value(i);
    }
    size = base.size();
    return this;
  }

  public LabelsBuilder reset() {
    Arrays.fill(names, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
    return this;
  }

  private int indexOf(String name) {
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private void ensure(int n) {
    if (n > names.length) {
      int cap = Math.max(n, names.length * 2);
      names = Arrays.copyOf(names, cap);
      values = Arrays.copyOf(values, cap);
    }
  }

  /** The current value of {@code name}, or {@code null}. */
  public String get(String name) {
    int i = indexOf(name);
    return i < 0 ? null : values[i];
  }

  /** Sets {@code name} to {@code value}; an empty or null value deletes the label. */
  public LabelsBuilder set(String name, String value) {
    if (value == null || value.isEmpty()) {
      return delete(name);
    }
    int i = indexOf(name);
    if (i >= 0) {
      values[i] = value;
    } else {
      ensure(size + 1);
      names[size] = name;
      values[size] = value;
      size++;
    }
    return this;
  }

  /**
   * Adds a label as parsed, keeping an empty value (see the class comment). The caller guarantees
   * that {@code name} is not present yet.
   */
  public LabelsBuilder add(String name, String value) {
    ensure(size + 1);
    names[size] = name;
    values[size] = value;
    size++;
    return this;
  }

  /** Whether {@code name} is present, even with an empty value (Prometheus's {@code Has}). */
  public boolean has(String name) {
    return indexOf(name) >= 0;
  }

  public LabelsBuilder delete(String name) {
    int i = indexOf(name);
    if (i >= 0) {
      size--;
      names[i] = names[size];
      values[i] = values[size];
      names[size] = null;
      values[size] = null;
    }
    return this;
  }

  public int size() {
    return size;
  }

  public String name(int i) {
    return names[i];
  }

  public String value(int i) {
    return values[i];
  }

  /** Builds the sorted immutable label set. The builder stays usable. */
  public Labels build() {
    if (size == 0) {
      return Labels.EMPTY;
    }
    // Insertion sort: label sets are small (typically < 16) and often nearly sorted.
    int nonEmpty = 0;
    for (int i = 0; i < size; i++) {
      if (!values[i].isEmpty()) {
        nonEmpty++;
      }
    }
    if (nonEmpty == 0) {
      return Labels.EMPTY;
    }
    String[] pairs = new String[nonEmpty * 2];
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (values[i].isEmpty()) {
        continue;
      }
      String name = names[i];
      int j = n;
      while (j > 0 && pairs[(j - 1) * 2].compareTo(name) > 0) {
        pairs[j * 2] = pairs[(j - 1) * 2];
        pairs[j * 2 + 1] = pairs[(j - 1) * 2 + 1];
        j--;
      }
      pairs[j * 2] = name;
      pairs[j * 2 + 1] = values[i];
      n++;
    }
    return Labels.wrapSorted(pairs);
  }
}
