package dev.ledger.support;

import dev.ledger.LedgerApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts whole application instances by hand, for tests about restarts and about several instances on one database. */
public final class LedgerInstances {

    private LedgerInstances() {
    }

    public static ConfigurableApplicationContext start(TestDatabase.Database database, String... properties) {
        List<String> args = new ArrayList<>();
        database.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        args.add("--server.port=0");
        for (String property : properties) {
            args.add("--" + property);
        }
        return new SpringApplicationBuilder(LedgerApplication.class).run(args.toArray(String[]::new));
    }

    public static String baseUrl(ConfigurableApplicationContext context) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return "http://localhost:" + port;
    }

    public static Map<String, Object> json(String... keyValues) {
        java.util.LinkedHashMap<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
