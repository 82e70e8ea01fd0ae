package dev.ledger.startup;

import java.util.List;
import java.util.stream.Collectors;

/** Startup stopped because required settings are missing; the message names each of them. */
public class MissingSettingsException extends IllegalStateException {

    private final List<RequiredSettings.Setting> missing;

    MissingSettingsException(List<RequiredSettings.Setting> missing) {
        super("refusing to start: " + missing.size() + " required setting" + (missing.size() == 1 ? " is" : "s are")
                + " missing:"
                + missing.stream().map(setting -> "\n  - " + setting).collect(Collectors.joining()));
        this.missing = List.copyOf(missing);
    }

    public List<RequiredSettings.Setting> missing() {
        return missing;
    }
}
