package io.promfed.leaf;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The leaf: discovers targets, scrapes them into its own head, serves /federate and the query API. */
@SpringBootApplication
public class LeafAgentApplication {

  public static void main(String[] args) {
    SpringApplication.run(LeafAgentApplication.class, args);
  }
}
