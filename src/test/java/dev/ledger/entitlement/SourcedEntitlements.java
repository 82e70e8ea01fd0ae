package dev.ledger.entitlement;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/** Builds an {@link Entitlement} from events through its own event sourcing handlers, for tests outside the package. */
public final class SourcedEntitlements {

    private SourcedEntitlements() {}

    public static Entitlement from(Object... events) {
        Entitlement entitlement = new Entitlement();
        for (Object event : events) {
            Method handler = Arrays.stream(Entitlement.class.getDeclaredMethods())
                    .filter(m -> m.getName().equals("on")
                            && m.getParameterCount() == 1
                            && m.getParameterTypes()[0] == event.getClass())
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no handler for " + event.getClass()));
            try {
                handler.invoke(entitlement, event);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
        }
        return entitlement;
    }
}
