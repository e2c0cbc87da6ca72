package io.promfed.promql;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.promql.parser.ItemType;
import io.promfed.promql.parser.VectorMatching;
import io.promfed.promql.parser.VectorMatching.Cardinality;
import java.util.Set;

/**
 * Binary operators on one evaluation step: set operators, vector/vector with one-to-one and
 * many-to-one matching, vector/scalar and scalar/scalar ({@code VectorAnd}, {@code VectorOr},
 * {@code VectorUnless}, {@code VectorBinop}, {@code VectorscalarBinop}, {@code scalarBinop} in
 * engine.go). Samples carry their matching signature ordinal in {@link StepVector#sig}. Stateless.
 */
final class BinaryOps {

  private BinaryOps() {}

  static void and(StepVector lhs, StepVector rhs, EvalNodeHelper enh, StepVector out) {
    if (lhs.size == 0 || rhs.size == 0) {
      return;
    }
    boolean[] rightPresent = enh.resetSigsPresent();
    for (int j = 0; j < rhs.size; j++) {
      rightPresent[rhs.sig[j]] = true;
    }
    for (int i = 0; i < lhs.size; i++) {
      if (rightPresent[lhs.sig[i]]) {
        out.addFrom(lhs, i);
      }
    }
  }

  static void or(StepVector lhs, StepVector rhs, EvalNodeHelper enh, StepVector out) {
    if (lhs.size == 0) {
      for (int j = 0; j < rhs.size; j++) {
        out.addFrom(rhs, j);
      }
      return;
    }
    if (rhs.size == 0) {
      for (int i = 0; i < lhs.size; i++) {
        out.addFrom(lhs, i);
      }
      return;
    }
    boolean[] leftPresent = enh.resetSigsPresent();
    for (int i = 0; i < lhs.size; i++) {
      leftPresent[lhs.sig[i]] = true;
      out.addFrom(lhs, i);
    }
    for (int j = 0; j < rhs.size; j++) {
      if (!leftPresent[rhs.sig[j]]) {
        out.addFrom(rhs, j);
      }
    }
  }

  static void unless(StepVector lhs, StepVector rhs, EvalNodeHelper enh, StepVector out) {
    if (lhs.size == 0 || rhs.size == 0) {
      for (int i = 0; i < lhs.size; i++) {
        out.addFrom(lhs, i);
      }
      return;
    }
    boolean[] rightPresent = enh.resetSigsPresent();
    for (int j = 0; j < rhs.size; j++) {
      rightPresent[rhs.sig[j]] = true;
    }
    for (int i = 0; i < lhs.size; i++) {
      if (!rightPresent[lhs.sig[i]]) {
        out.addFrom(lhs, i);
      }
    }
  }

  /** A binary arithmetic or comparison operation between two vectors. */
  static void vectorBinop(
      ItemType op,
      StepVector lhs,
      StepVector rhs,
      VectorMatching matching,
      boolean returnBool,
      EvalNodeHelper enh,
      StepVector out) {
    if (lhs.size == 0 || rhs.size == 0) {
      return; // Nothing can match.
    }
    Cardinality card = matching.card();
    // For one-to-many, swap the sides and account for it when computing values.
    if (card == Cardinality.ONE_TO_MANY) {
      StepVector t = lhs;
      lhs = rhs;
      rhs = t;
    }
    int[] rightSigs = enh.resetRightSigs();
    boolean[] rightPresent = enh.resetSigsPresent();
    for (int j = 0; j < rhs.size; j++) {
      int sig = rhs.sig[j];
      // The right side is the "one" side; two samples with one signature mean many-to-many.
      if (rightPresent[sig]) {
        Labels dupl = rhs.labels[rightSigs[sig]];
        String oneSide = card == Cardinality.ONE_TO_MANY ? "left" : "right";
        Labels matched = matchLabels(rhs.labels[j], matching.on(), matching.matchingLabels());
        String d1 = rhs.labels[j].toString();
        String d2 = dupl.toString();
        if (d1.compareTo(d2) > 0) {
          String t = d1;
          d1 = d2;
          d2 = t;
        }
        throw PromQLException.execution(
            "found duplicate series for the match group "
                + matched
                + " on the "
                + oneSide
                + " hand-side of the operation: ["
                + d1
                + ", "
                + d2
                + "];many-to-many matching not allowed: matching labels must be unique on one"
                + " side");
      }
      rightSigs[sig] = j;
      rightPresent[sig] = true;
    }
    boolean[] matchedPresent = null;
    Set<Labels>[] matchedSigs = null;
    if (card == Cardinality.ONE_TO_ONE) {
      matchedPresent = enh.resetMatchedSigsPresent();
    } else {
      matchedSigs = enh.resetMatchedSigs();
    }
    boolean dropName = returnBool || changesMetricSchema(op);
    for (int i = 0; i < lhs.size; i++) {
      int sig = lhs.sig[i];
      if (!rightPresent[sig]) {
        continue;
      }
      int j = rightSigs[sig];
      double fl = lhs.values[i];
      double fr = rhs.values[j];
      if (card == Cardinality.ONE_TO_MANY) {
        double t = fl;
        fl = fr;
        fr = t;
      }
      double value;
      boolean keep;
      if (op.isComparisonOperator()) {
        value = fl;
        keep = compare(op, fl, fr);
      } else {
        value = arithmetic(op, fl, fr);
        keep = true;
      }
      if (returnBool) {
        value = keep ? 1 : 0;
      }
      Labels metric = resultMetric(lhs.labels[i], rhs.labels[j], matching, dropName, enh);
      if (card == Cardinality.ONE_TO_ONE) {
        if (matchedPresent[sig]) {
          throw PromQLException.execution(
              "multiple matches for labels: many-to-one matching must be explicit"
                  + " (group_left/group_right)");
        }
        matchedPresent[sig] = true;
      } else {
        // The grouping labels must make each result unique within a match group.
        Set<Labels> inserted = matchedSigs[sig];
        if (inserted == null) {
          inserted = EvalNodeHelper.newSigSet();
          matchedSigs[sig] = inserted;
        }
        if (!inserted.add(metric)) {
          throw PromQLException.execution(
              "multiple matches for labels: grouping labels must ensure unique matches");
        }
      }
      if (!keep && !returnBool) {
        continue;
      }
      out.add(metric, enh.ts, value);
    }
  }

  /** The labels of a vector/vector result ({@code resultMetric} in engine.go). */
  private static Labels resultMetric(
      Labels lhs, Labels rhs, VectorMatching matching, boolean dropName, EvalNodeHelper enh) {
    Labels cached = enh.cachedResult(lhs, rhs);
    if (cached != null) {
      return cached;
    }
    LabelsBuilder b = enh.lb.reset(lhs);
    if (dropName) {
      b.delete(Labels.METRIC_NAME);
    }
    if (matching.card() == Cardinality.ONE_TO_ONE) {
      if (matching.on()) {
        // Keep only the matching labels.
        for (int k = b.size() - 1; k >= 0; k--) {
          String name = b.name(k);
          if (!matching.matchingLabels().contains(name)) {
            b.delete(name);
          }
        }
      } else {
        for (String name : matching.matchingLabels()) {
          b.delete(name);
        }
      }
    }
    // Labels named in group_x() are copied from the "one" side.
    for (String name : matching.include()) {
      String v = rhs.get(name);
      if (v != null && !v.isEmpty()) {
        b.set(name, v);
      } else {
        b.delete(name);
      }
    }
    Labels result = b.build();
    enh.cacheResult(lhs, rhs, result);
    return result;
  }

  /** Prometheus's {@code Labels.MatchLabels}, used only in error messages. */
  static Labels matchLabels(Labels ls, boolean on, java.util.List<String> names) {
    LabelsBuilder b = ls.toBuilder();
    if (on) {
      for (int i = 0; i < ls.size(); i++) {
        if (!names.contains(ls.name(i))) {
          b.delete(ls.name(i));
        }
      }
    } else {
      b.delete(Labels.METRIC_NAME);
      for (String n : names) {
        b.delete(n);
      }
    }
    return b.build();
  }

  /** A vector/scalar operation; {@code swap} when the scalar is on the left. */
  static void vectorScalarBinop(
      ItemType op,
      StepVector lhs,
      double scalar,
      boolean swap,
      boolean returnBool,
      EvalNodeHelper enh,
      StepVector out) {
    boolean dropName = returnBool || changesMetricSchema(op);
    for (int i = 0; i < lhs.size; i++) {
      double lf = lhs.values[i];
      double rf = scalar;
      if (swap) {
        lf = scalar;
        rf = lhs.values[i];
      }
      double value;
      boolean keep;
      if (op.isComparisonOperator()) {
        keep = compare(op, lf, rf);
        // The vector's value is the result, even when the scalar is on the left.
        value = swap ? rf : lf;
      } else {
        value = arithmetic(op, lf, rf);
        keep = true;
      }
      if (returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (keep) {
        Labels l = dropName ? enh.dropName(lhs.labels[i]) : lhs.labels[i];
        out.add(l, lhs.timestamps[i], value);
      }
    }
  }

  static double scalarBinop(ItemType op, double lhs, double rhs) {
    if (op.isComparisonOperator()) {
      return compare(op, lhs, rhs) ? 1 : 0;
    }
    return arithmetic(op, lhs, rhs);
  }

  static boolean compare(ItemType op, double l, double r) {
    return switch (op) {
      case EQLC -> l == r;
      case NEQ -> l != r;
      case GTR -> l > r;
      case LSS -> l < r;
      case GTE -> l >= r;
      case LTE -> l <= r;
      default -> throw new IllegalStateException("not a comparison: " + op);
    };
  }

  static double arithmetic(ItemType op, double l, double r) {
    return switch (op) {
      case ADD -> l + r;
      case SUB -> l - r;
      case MUL -> l * r;
      case DIV -> l / r;
      case POW -> goPow(l, r);
      case MOD -> l % r;
      case ATAN2 -> Math.atan2(l, r);
      default -> throw new IllegalStateException("operator " + op + " not allowed");
    };
  }

  /** Go's {@code math.Pow}, which differs from Java's for a base of ±1 and a NaN/∞ exponent. */
  static double goPow(double x, double y) {
    if (y == 0 || x == 1) {
      return 1;
    }
    if (x == -1 && Double.isInfinite(y)) {
      return 1;
    }
    return Math.pow(x, y);
  }

  /** Whether an operator changes what the metric means, so its name must go. */
  static boolean changesMetricSchema(ItemType op) {
    return switch (op) {
      case ADD, SUB, DIV, MUL, POW, MOD, ATAN2 -> true;
      default -> false;
    };
  }
}
