package dev.ledger.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR profile of another JVM ({@code jcmd JFR.start}/{@code JFR.stop}, settings {@code profile}), summarized from
 * its execution samples: the share of samples by thread (numbers stripped), by the package of the running method
 * (self time), and the hottest methods.
 */
final class JfrProfile {

    private JfrProfile() {}

    static void start(long pid, String name) throws IOException, InterruptedException {
        jcmd(pid, "JFR.start", "name=" + name, "settings=profile");
    }

    static void stop(long pid, String name, Path file) throws IOException, InterruptedException {
        jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
    }

    private static void jcmd(long pid, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + output);
        }
    }

    /** The summary of a recording: samples, and the top shares by thread, package and method. */
    static Map<String, Object> summarize(Path file) throws IOException {
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        Map<String, Integer> methods = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            String thread = event.getThread("sampledThread") == null
                    ? "?"
                    : event.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("\\d+", "N"), 1, Integer::sum);
            RecordedFrame top = stack.getFrames().get(0);
            String type = top.getMethod().getType().getName();
            packages.merge(packageOf(type), 1, Integer::sum);
            methods.merge(type + "." + top.getMethod().getName(), 1, Integer::sum);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("executionSamples", samples);
        summary.put("byThread", top(threads, samples, 15));
        summary.put("byPackageSelf", top(packages, samples, 20));
        summary.put("byMethodSelf", top(methods, samples, 20));
        return summary;
    }

    private static String packageOf(String type) {
        String[] parts = type.split("\\.");
        int keep = Math.min(parts.length - 1, type.startsWith("dev.ledger.") ? 4 : 3);
        return keep <= 0 ? type : String.join(".", java.util.Arrays.copyOf(parts, keep));
    }

    private static Map<String, Double> top(Map<String, Integer> counts, int total, int limit) {
        Map<String, Double> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(e -> top.put(e.getKey(), Percentiles.round(100.0 * e.getValue() / Math.max(1, total))));
        return top;
    }
}
