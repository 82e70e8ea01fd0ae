package dev.ledger.projection;

import java.util.Arrays;

/** The projections an operator can inspect and rebuild, by their public name. */
public enum Projection {
    DYNAMODB("dynamodb", "entitlement-table"),
    HISTORY("history", "usage-history");

    private final String publicName;
    private final String processor;

    Projection(String publicName, String processor) {
        this.publicName = publicName;
        this.processor = processor;
    }

    /** The name in the admin API and the command line: {@code dynamodb}. */
    public String publicName() {
        return publicName;
    }

    /** The Axon streaming processor that writes it. */
    public String processor() {
        return processor;
    }

    public static Projection named(String name) {
        return Arrays.stream(values())
                .filter(p -> p.publicName.equals(name))
                .findFirst()
                .orElseThrow(() -> new dev.ledger.entitlement.InvalidInput(
                        "UNKNOWN_PROJECTION",
                        "unknown projection '" + name + "'; known: "
                                + Arrays.stream(values())
                                        .map(Projection::publicName)
                                        .toList()));
    }
}
