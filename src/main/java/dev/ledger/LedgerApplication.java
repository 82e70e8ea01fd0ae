package dev.ledger;

import dev.ledger.cli.LedgerCommandLine;
import java.io.PrintWriter;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class LedgerApplication {

    public static void main(String[] args) {
        if (LedgerCommandLine.handles(args)) {
            System.exit(LedgerCommandLine.run(
                    LedgerApplication.class,
                    args,
                    new PrintWriter(System.out, true),
                    new PrintWriter(System.err, true)));
        }
        SpringApplication.run(LedgerApplication.class, args);
    }
}
