package dev.ledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a benchmark run found: every figure with the baseline or ceiling measured in the same run and their ratio, the
 * machine and Postgres settings, how each scenario measured, and the sanity checks. Written as {@code report.json}
 * (Jackson) and {@code report.md}; a progress log goes to {@code bench.log} beside them.
 */
final class Report {

    /**
     * One figure. {@code ratio} is {@code value / comparedValue}; {@code ratioMeaning} says what it compares, e.g.
     * "ledger / seed-Lambda baseline".
     */
    record Figure(
            String scenario,
            String name,
            Double value,
            String unit,
            String comparedWith,
            Double comparedValue,
            Double ratio,
            String ratioMeaning,
            String spread) {}

    /** A sanity check: the benchmark fails when one does not pass, after the report is written. */
    record Check(String scenario, String name, boolean passed, String detail) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;
    private final Instant started = Instant.now();
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final Map<String, Object> machine = new LinkedHashMap<>();
    private final Map<String, Object> postgres = new LinkedHashMap<>();
    private final Map<String, String> methods = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> details = new LinkedHashMap<>();
    private final List<Figure> figures = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();

    Report(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
            Files.deleteIfExists(directory.resolve("bench.log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
    }

    Path directory() {
        return directory;
    }

    synchronized void parameters(Map<String, Object> values) {
        parameters.putAll(values);
    }

    synchronized void machine(Map<String, Object> values) {
        machine.putAll(values);
    }

    synchronized void postgres(Map<String, Object> values) {
        postgres.putAll(values);
    }

    /** How {@code scenario} measures, in a few sentences for the reader of the report. */
    synchronized void method(String scenario, String text) {
        methods.put(scenario, text);
    }

    /** Raw details (settings used, counts, percentiles) that the JSON keeps in full. */
    synchronized void detail(String scenario, String key, Object value) {
        details.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(key, value);
    }

    /** A figure compared with a baseline or ceiling measured in the same run. */
    synchronized void figure(
            String scenario,
            String name,
            Double value,
            String unit,
            String comparedWith,
            Double comparedValue,
            String ratioMeaning) {
        figures.add(new Figure(
                scenario,
                name,
                finite(value),
                unit,
                comparedWith,
                finite(comparedValue),
                ratio(value, comparedValue),
                ratioMeaning,
                null));
    }

    /**
     * A figure from repeated measurements: {@code value} and {@code comparedValue} are medians, {@code ratio} the
     * median of the ratios of each repetition (its own pair), {@code spread} their range.
     */
    synchronized void repeatedFigure(
            String scenario,
            String name,
            Double value,
            String unit,
            String comparedWith,
            Double comparedValue,
            Double ratio,
            String ratioMeaning,
            String spread) {
        figures.add(new Figure(
                scenario,
                name,
                finite(value),
                unit,
                comparedWith,
                finite(comparedValue),
                finite(ratio),
                ratioMeaning,
                spread));
    }

    synchronized void check(String scenario, String name, boolean passed, String detail) {
        checks.add(new Check(scenario, name, passed, detail));
        log((passed ? "PASS " : "FAIL ") + scenario + ": " + name + (detail == null ? "" : " (" + detail + ")"));
    }

    synchronized List<Check> checks() {
        return List.copyOf(checks);
    }

    synchronized List<Check> failedChecks() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    synchronized List<Figure> figures() {
        return List.copyOf(figures);
    }

    /** Progress, to standard output and to {@code bench.log}. */
    void log(String message) {
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " [bench] " + message;
        System.out.println(line);
        try {
            Files.writeString(
                    directory.resolve("bench.log"),
                    line + System.lineSeparator(),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot append to bench.log: " + e);
        }
    }

    static Double ratio(Double value, Double comparedValue) {
        if (value == null || comparedValue == null || comparedValue == 0) {
            return null;
        }
        return finite(value / comparedValue);
    }

    private static Double finite(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }

    /** Writes report.json and report.md; may be called again as scenarios finish. */
    synchronized void write() throws IOException {
        Files.createDirectories(directory);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("title", "Entitlement ledger benchmark (issues 7 and 18)");
        root.put("started", started.toString());
        root.put("written", Instant.now().toString());
        root.put("elapsedSeconds", Duration.between(started, Instant.now()).toSeconds());
        root.put("parameters", parameters);
        root.put("machine", machine);
        root.put("postgres", postgres);
        Map<String, Object> scenarios = new LinkedHashMap<>();
        for (String scenario : scenarioNames()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("method", methods.get(scenario));
            List<Map<String, Object>> list = new ArrayList<>();
            for (Figure figure : figures) {
                if (figure.scenario().equals(scenario)) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("name", figure.name());
                    f.put("value", round(figure.value()));
                    f.put("unit", figure.unit());
                    f.put("comparedWith", figure.comparedWith());
                    f.put("comparedValue", round(figure.comparedValue()));
                    f.put("ratio", round(figure.ratio()));
                    f.put("ratioMeaning", figure.ratioMeaning());
                    f.put("ratioSpread", figure.spread());
                    list.add(f);
                }
            }
            entry.put("figures", list);
            entry.put("details", details.getOrDefault(scenario, Map.of()));
            scenarios.put(scenario, entry);
        }
        root.put("scenarios", scenarios);
        List<Map<String, Object>> checkList = new ArrayList<>();
        for (Check check : checks) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("scenario", check.scenario());
            c.put("name", check.name());
            c.put("passed", check.passed());
            c.put("detail", check.detail());
            checkList.add(c);
        }
        root.put("checks", checkList);
        root.put("passed", checks.stream().allMatch(Check::passed));
        JSON.writeValue(directory.resolve("report.json").toFile(), root);
        Files.writeString(directory.resolve("report.md"), markdown(), StandardCharsets.UTF_8);
    }

    private List<String> scenarioNames() {
        List<String> names = new ArrayList<>();
        for (String name : methods.keySet()) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        for (Figure figure : figures) {
            if (!names.contains(figure.scenario())) {
                names.add(figure.scenario());
            }
        }
        for (String name : details.keySet()) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Entitlement ledger benchmark\n\n");
        md.append("Started ")
                .append(started)
                .append(", written ")
                .append(Instant.now())
                .append(" (")
                .append(Duration.between(started, Instant.now()).toSeconds())
                .append(" s). ")
                .append("Every figure is compared with a baseline or ceiling measured in the same run; "
                        + "the ratio is the figure divided by it. Machine-readable: `report.json`.\n\n");
        boolean passed = checks.stream().allMatch(Check::passed);
        md.append("Sanity checks: **")
                .append(passed ? "all passed" : "FAILED")
                .append("** (")
                .append(checks.stream().filter(Check::passed).count())
                .append(" of ")
                .append(checks.size())
                .append(").\n\n");

        md.append("## Machine\n\n");
        table(md, machine);
        md.append("## Postgres\n\n");
        table(md, postgres);
        md.append("## Parameters\n\n");
        table(md, parameters);

        for (String scenario : scenarioNames()) {
            md.append("## ")
                    .append(Character.toUpperCase(scenario.charAt(0)))
                    .append(scenario.substring(1))
                    .append("\n\n");
            String method = methods.get(scenario);
            if (method != null) {
                md.append(method).append("\n\n");
            }
            List<Figure> own =
                    figures.stream().filter(f -> f.scenario().equals(scenario)).toList();
            if (!own.isEmpty()) {
                md.append("| measure | value | unit | compared with | its value | ratio | ratio is | ratio range |\n");
                md.append("|---|---:|---|---|---:|---:|---|---|\n");
                for (Figure f : own) {
                    md.append("| ")
                            .append(cell(f.name()))
                            .append(" | ")
                            .append(number(f.value()))
                            .append(" | ")
                            .append(cell(f.unit()))
                            .append(" | ")
                            .append(cell(f.comparedWith()))
                            .append(" | ")
                            .append(number(f.comparedValue()))
                            .append(" | ")
                            .append(ratioText(f.ratio()))
                            .append(" | ")
                            .append(cell(f.ratioMeaning()))
                            .append(" | ")
                            .append(f.spread() == null ? "" : cell(f.spread()))
                            .append(" |\n");
                }
                md.append('\n');
            }
        }

        md.append("## Sanity checks\n\n");
        md.append("| scenario | check | result | detail |\n|---|---|---|---|\n");
        for (Check check : checks) {
            md.append("| ")
                    .append(cell(check.scenario()))
                    .append(" | ")
                    .append(cell(check.name()))
                    .append(" | ")
                    .append(check.passed() ? "pass" : "**FAIL**")
                    .append(" | ")
                    .append(cell(check.detail()))
                    .append(" |\n");
        }
        md.append('\n');
        return md.toString();
    }

    private static void table(StringBuilder md, Map<String, Object> values) {
        md.append("| | |\n|---|---|\n");
        values.forEach((key, value) -> md.append("| ")
                .append(cell(key))
                .append(" | ")
                .append(cell(String.valueOf(value)))
                .append(" |\n"));
        md.append('\n');
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }

    static String number(Double value) {
        if (value == null) {
            return "n/a";
        }
        double abs = Math.abs(value);
        if (abs >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ratioText(Double ratio) {
        return ratio == null ? "n/a" : String.format(Locale.ROOT, "%.3f", ratio);
    }

    private static Double round(Double value) {
        return value == null ? null : Percentiles.round(value);
    }
}
