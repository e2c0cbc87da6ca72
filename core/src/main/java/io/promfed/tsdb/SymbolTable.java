package io.promfed.tsdb;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2LongOpenHashMap;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Interns label names and values: every live series holding {@code job="api"} shares one {@code
 * String} instance for {@code job} and one for {@code api}, and each distinct string has a dense
 * {@code int} id (ids of released strings are reused, so ids stay dense under churn).
 *
 * <p>Strings are reference-counted: {@link #acquire(String)} when a series is created, {@link
 * #release(String)} when it is garbage-collected, so names and values of churned-away series (pod
 * names…) do not accumulate. This is the head's counterpart of the symbol handling Prometheus gets
 * from its label storage and the Go garbage collector.
 *
 * <p>Thread-safe: lookups take one of {@value #STRIPES} stripe locks chosen by the string's hash,
 * id allocation takes a short global lock only when a new string is added. {@link #symbol(int)} is
 * lock-free; it sees an id only if the caller learned that id through a happens-before edge with
 * the thread that acquired it (as is the case for ids handed over through a lock or a volatile).
 */
public final class SymbolTable {

  static final int STRIPES = 64;

  private final Stripe[] stripes = new Stripe[STRIPES];

  private final Object idLock = new Object();
  private volatile String[] byId = new String[64]; // written under idLock
  private int nextId; // guarded by idLock
  private final IntArrayList freeIds = new IntArrayList(); // guarded by idLock

  private final AtomicLong size = new AtomicLong();
  private final AtomicLong stringBytes = new AtomicLong();

  /** An empty table. */
  public SymbolTable() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  /**
   * One lock and one map: string → (id << 32 | reference count). The map is subclassed only to read
   * its table sizes for {@link #ramBytesUsed()}.
   */
  private static final class Stripe extends Object2LongOpenHashMap<String> {

    /** Shallow size of an {@link Object2LongOpenHashMap} with compressed oops (JOL: 72). */
    static final long SHALLOW_BYTES = 72;

    Stripe() {
      super(4);
      defaultReturnValue(-1L);
    }

    /** Key (reference) and value ({@code long}) tables, always of one length. */
    long tablesRamBytesUsed() {
      int slots = value.length; // key is a generic array: reading it here would need a cast
      return align(16 + 4L * slots) + align(16 + 8L * slots);
    }
  }

  private Stripe stripe(String s) {
    int h = s.hashCode();
    return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
  }

  /**
   * Returns the shared instance equal to {@code s}, adding it if new, and counts one more reference
   * to it.
   */
  public String acquire(String s) {
    Stripe st = stripe(s);
    synchronized (st) {
      long e = st.getLong(s);
      if (e != -1L) {
        int id = (int) (e >>> 32);
        st.put(s, e + 1);
        return byId[id];
      }
      int id = allocateId(s);
      st.put(s, ((long) id << 32) | 1L);
      size.incrementAndGet();
      stringBytes.addAndGet(stringRamBytes(s));
      return s;
    }
  }

  /** Drops one reference to {@code s}; the string is forgotten when none is left. */
  public void release(String s) {
    Stripe st = stripe(s);
    synchronized (st) {
      long e = st.getLong(s);
      if (e == -1L) {
        throw new IllegalStateException("release of unknown symbol " + s);
      }
      if ((e & 0xffffffffL) > 1) {
        st.put(s, e - 1);
        return;
      }
      st.removeLong(s);
      freeId((int) (e >>> 32));
      size.decrementAndGet();
      stringBytes.addAndGet(-stringRamBytes(s));
    }
  }

  /** The shared instance equal to {@code s}, or {@code null} if not interned. Never adds. */
  public String lookup(String s) {
    Stripe st = stripe(s);
    synchronized (st) {
      long e = st.getLong(s);
      return e == -1L ? null : byId[(int) (e >>> 32)];
    }
  }

  /** The id of {@code s}, or -1 if not interned. */
  public int id(String s) {
    Stripe st = stripe(s);
    synchronized (st) {
      long e = st.getLong(s);
      return e == -1L ? -1 : (int) (e >>> 32);
    }
  }

  /** The string with id {@code id}, or {@code null} if that id is free. */
  public String symbol(int id) {
    String[] a = byId;
    return id >= 0 && id < a.length ? a[id] : null;
  }

  /** Reference count of {@code s} (0 if not interned); for tests and diagnostics. */
  public int refCount(String s) {
    Stripe st = stripe(s);
    synchronized (st) {
      long e = st.getLong(s);
      return e == -1L ? 0 : (int) (e & 0xffffffffL);
    }
  }

  /** Number of distinct interned strings. */
  public long size() {
    return size.get();
  }

  /**
   * Heap bytes: the interned strings themselves (object plus Latin-1/UTF-16 payload), each stripe's
   * map at its current table capacity, the id array and the free-id list, with object and array
   * headers and padding (compressed oops). Takes each stripe lock in turn.
   */
  public long ramBytesUsed() {
    long bytes = 40 + align(16 + 4L * STRIPES) + 16 + 2 * 24; // this, stripes, idLock, atomics
    for (Stripe st : stripes) {
      synchronized (st) {
        bytes += Stripe.SHALLOW_BYTES + st.tablesRamBytesUsed();
      }
    }
    synchronized (idLock) {
      bytes += align(16 + 4L * byId.length);
      bytes += 24 + align(16 + 4L * freeIdsCapacity());
    }
    return bytes + stringBytes.get();
  }

  private int freeIdsCapacity() {
    return freeIds.elements().length;
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  private int allocateId(String s) {
    synchronized (idLock) {
      int id;
      if (!freeIds.isEmpty()) {
        id = freeIds.popInt();
      } else {
        id = nextId++;
      }
      String[] a = byId;
      if (id >= a.length) {
        a = Arrays.copyOf(a, Math.max(id + 1, a.length * 2));
      }
      a[id] = s;
      byId = a; // volatile publish (also of the element above)
      return id;
    }
  }

  private void freeId(int id) {
    synchronized (idLock) {
      byId[id] = null;
      freeIds.add(id);
    }
  }

  /** String object (24) + backing byte[] (16 + length, UTF-16 doubles it), 8-aligned. */
  static long stringRamBytes(String s) {
    boolean latin1 = true;
    for (int i = 0, n = s.length(); i < n && latin1; i++) {
      latin1 = s.charAt(i) < 256;
    }
    long payload = latin1 ? s.length() : 2L * s.length();
    return 24 + ((16 + payload + 7) & ~7L);
  }
}
