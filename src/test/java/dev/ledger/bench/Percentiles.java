package dev.ledger.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Nearest-rank percentiles of a set of measurements (milliseconds, by convention of the callers). */
final class Percentiles {

    private Percentiles() {}

    /** count, min, p50, p95, p99, max and mean of a non-empty set of values. */
    record Summary(int count, double min, double p50, double p95, double p99, double max, double mean) {

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("count", count);
            map.put("min", round(min));
            map.put("p50", round(p50));
            map.put("p95", round(p95));
            map.put("p99", round(p99));
            map.put("max", round(max));
            map.put("mean", round(mean));
            return map;
        }
    }

    /** @return the summary, or {@code null} when there are no values */
    static Summary of(double[] values) {
        if (values.length == 0) {
            return null;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double value : sorted) {
            sum += value;
        }
        return new Summary(
                sorted.length,
                sorted[0],
                percentile(sorted, 50),
                percentile(sorted, 95),
                percentile(sorted, 99),
                sorted[sorted.length - 1],
                sum / sorted.length);
    }

    /** Nearest rank: the smallest value such that at least {@code p} percent of the values are at or below it. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
