package dev.ledger.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server-side delay of one consumer over one phase: the difference of two Prometheus scrapes of the cumulative
 * histogram {@code ledger_projection_delay_seconds{processor}} (the ledger records it in its projectors, the anchors
 * where they write the item). Percentiles interpolate linearly inside a bucket; the benchmark gives the histogram
 * fine buckets ({@link #SLO_MILLIS}: each bound 5% above the previous one, from 1 ms to 2 minutes, on top of
 * Micrometer's own), so a percentile is exact to within one bucket: 5%.
 */
final class DelayHistogram {

    static final String METRIC = "ledger_projection_delay_seconds";
    static final String TIMER = "ledger.projection.delay";
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"([^\"]*)\"");

    /** Bucket bounds, in ms, that the benchmark adds to the timer so that its percentiles are fine-grained. */
    static final List<Long> SLO_MILLIS = sloMillis();

    private final TreeMap<Double, Double> cumulative; // upper bound in seconds -> count at or below
    private final double count;

    private DelayHistogram(TreeMap<Double, Double> cumulative, double count) {
        this.cumulative = cumulative;
        this.count = count;
    }

    private static List<Long> sloMillis() {
        List<Long> bounds = new ArrayList<>();
        double bound = 1;
        while (bound <= 120_000) {
            long ms = Math.round(bound);
            if (bounds.isEmpty() || ms > bounds.get(bounds.size() - 1)) {
                bounds.add(ms);
            }
            bound *= 1.05;
        }
        return List.copyOf(bounds);
    }

    /** The Spring property that gives the ledger's timer these buckets. */
    static String sloProperty() {
        StringBuilder value = new StringBuilder("management.metrics.distribution.slo." + TIMER + "=");
        for (int i = 0; i < SLO_MILLIS.size(); i++) {
            value.append(i == 0 ? "" : ",").append(SLO_MILLIS.get(i)).append("ms");
        }
        return value.toString();
    }

    /** Every sample of a Prometheus text scrape, keyed by name and sorted labels. */
    static Map<String, Double> parse(String scrape) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            TreeMap<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            try {
                samples.put(key(m.group(1), labels), Double.parseDouble(m.group(3)));
            } catch (NumberFormatException ignoredNonNumeric) {
                // NaN and the like are parsed by Double; anything else is not a sample we read
            }
        }
        return samples;
    }

    static String key(String name, Map<String, String> labels) {
        return name + new TreeMap<>(labels);
    }

    /** Sum of the samples named {@code name} whose labels include {@code match}. */
    static double sum(Map<String, Double> samples, String name, Map<String, String> match) {
        double sum = 0;
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            String key = sample.getKey();
            if (key.startsWith(name + "{") && matches(key, match)) {
                sum += sample.getValue();
            }
        }
        return sum;
    }

    private static boolean matches(String key, Map<String, String> match) {
        for (Map.Entry<String, String> label : match.entrySet()) {
            if (!key.contains(label.getKey() + "=" + label.getValue() + ",")
                    && !key.contains(label.getKey() + "=" + label.getValue() + "}")) {
                return false;
            }
        }
        return true;
    }

    /** The histogram of what {@code processor} recorded between the two scrapes. */
    static DelayHistogram between(Map<String, Double> before, Map<String, Double> after, String processor) {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        String prefix = METRIC + "_bucket{";
        for (Map.Entry<String, Double> sample : after.entrySet()) {
            String key = sample.getKey();
            if (!key.startsWith(prefix) || !key.contains("processor=" + processor)) {
                continue;
            }
            Matcher le = Pattern.compile("le=([^,}]+)").matcher(key);
            if (!le.find()) {
                continue;
            }
            double bound = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
            cumulative.put(bound, sample.getValue() - before.getOrDefault(key, 0.0));
        }
        Map<String, String> match = Map.of("processor", processor);
        double count = sum(after, METRIC + "_count", match) - sum(before, METRIC + "_count", match);
        return new DelayHistogram(cumulative, count);
    }

    double count() {
        return count;
    }

    /** The {@code q} quantile in milliseconds, or null when nothing was recorded. */
    Double percentileMillis(double q) {
        if (count <= 0 || cumulative.isEmpty()) {
            return null;
        }
        double rank = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            double upper = bucket.getKey();
            double at = bucket.getValue();
            if (at >= rank) {
                if (Double.isInfinite(upper)) {
                    return lowerBound * 1000; // beyond the last bound: report the last bound
                }
                double inBucket = at - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return (lowerBound + fraction * (upper - lowerBound)) * 1000;
            }
            lowerBound = upper;
            lowerCount = at;
        }
        return lowerBound * 1000;
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", (long) count);
        map.put("p50", round(percentileMillis(0.50)));
        map.put("p95", round(percentileMillis(0.95)));
        map.put("p99", round(percentileMillis(0.99)));
        return map;
    }

    private static Double round(Double value) {
        return value == null ? null : Percentiles.round(value);
    }
}
