package io.promfed.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Java port of the seed's Go hello server. */
@SpringBootApplication
public class DemoServerApplication {

  public static void main(String[] args) {
    SpringApplication.run(DemoServerApplication.class, args);
  }
}
