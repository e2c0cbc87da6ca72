package io.promfed.tsdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class SymbolTableTest {

  @Test
  void equalStringsShareOneInstance() {
    SymbolTable st = new SymbolTable();
    String a = st.acquire(new String("job"));
    String b = st.acquire(new String("job"));
    assertThat(b).isSameAs(a);
    assertThat(st.lookup(new String("job"))).isSameAs(a);
    assertThat(st.symbol(st.id("job"))).isSameAs(a);
    assertThat(st.refCount("job")).isEqualTo(2);
    assertThat(st.size()).isEqualTo(1);
  }

  @Test
  void releasedStringsAreForgottenAndTheirIdsReused() {
    SymbolTable st = new SymbolTable();
    st.acquire("a");
    st.acquire("b");
    int idA = st.id("a");
    long bytes = st.ramBytesUsed();
    st.release("a");
    assertThat(st.lookup("a")).isNull();
    assertThat(st.id("a")).isEqualTo(-1);
    assertThat(st.symbol(idA)).isNull();
    assertThat(st.ramBytesUsed()).isLessThan(bytes);
    st.acquire("c");
    assertThat(st.id("c")).isEqualTo(idA); // dense: the freed id is reused
    assertThatThrownBy(() -> st.release("zzz")).isInstanceOf(IllegalStateException.class);
  }

  @RepeatedTest(10)
  void randomAcquireReleaseMatchesTreeMapModel() {
    long seed = Long.getLong("tsdb.seed", new SplittableRandom().nextLong());
    SplittableRandom r = new SplittableRandom(seed);
    SymbolTable st = new SymbolTable();
    TreeMap<String, Integer> model = new TreeMap<>();
    for (int i = 0; i < 5_000; i++) {
      String s = "s" + r.nextInt(300);
      if (r.nextInt(3) != 0 || !model.containsKey(s)) {
        st.acquire(s);
        model.merge(s, 1, Integer::sum);
      } else {
        st.release(s);
        model.computeIfPresent(s, (k, v) -> v == 1 ? null : v - 1);
      }
    }
    String why = "seed=" + seed;
    assertThat(st.size()).as(why).isEqualTo(model.size());
    Set<Integer> ids = new HashSet<>();
    for (Map.Entry<String, Integer> e : model.entrySet()) {
      assertThat(st.refCount(e.getKey())).as(why).isEqualTo(e.getValue());
      int id = st.id(e.getKey());
      assertThat(st.symbol(id)).as(why).isEqualTo(e.getKey());
      assertThat(ids.add(id)).as(why + " unique id").isTrue();
    }
    // Dense: ids stay below the peak number of live strings (here at most 300 distinct).
    assertThat(ids).allMatch(id -> id < 300);
  }

  @Test
  void concurrentAcquiresOfTheSameStringsAgreeOnOneInstance() throws Exception {
    SymbolTable st = new SymbolTable();
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    Map<String, Set<Integer>> identities = new ConcurrentHashMap<>();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 2_000; i++) {
                  String s = st.acquire(new String("v" + i));
                  identities
                      .computeIfAbsent(s, k -> ConcurrentHashMap.newKeySet())
                      .add(System.identityHashCode(s));
                }
              });
      th.start();
      ts.add(th);
    }
    start.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertThat(st.size()).isEqualTo(2_000);
    assertThat(identities.values()).allMatch(s -> s.size() == 1);
    assertThat(st.refCount("v7")).isEqualTo(threads);
  }
}
