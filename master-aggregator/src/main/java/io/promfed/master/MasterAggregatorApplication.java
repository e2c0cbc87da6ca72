package io.promfed.master;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The master: federates from the leaves, stores, and answers PromQL for one global view. */
@SpringBootApplication
public class MasterAggregatorApplication {

  public static void main(String[] args) {
    SpringApplication.run(MasterAggregatorApplication.class, args);
  }
}
