package dev.picante.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Starts the picante demo application. */
@SpringBootApplication
public class DemoApplication {

    /** Runs the application. */
    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }
}
