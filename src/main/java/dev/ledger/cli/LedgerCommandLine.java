package dev.ledger.cli;

import dev.ledger.database.DatabaseBootstrap;
import dev.ledger.importing.ImportStatus;
import dev.ledger.importing.TableImports;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.dynamodb.DriftCheck;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar ledger.jar projections rebuild dynamodb | drift dynamodb | status} and
 * {@code java -jar ledger.jar import dynamodb --table NAME [--dry-run]} and {@code java -jar ledger.jar database bootstrap}
 * (no application context: adr/0019). The projection and import jobs start the application
 * without the web server and without the SQS listener, with the same configuration as the service; a rebuild job of
 * the DynamoDB table runs the one pass itself (adr/0014), and every rebuild job exits when the projection has caught
 * up.
 *
 * <p>Exit codes: 0 success (drift: none found; import: done), 1 failure, 2 usage error, 3 drift found, 4 import done
 * but with invalid items (listed) that were not imported.
 */
public final class LedgerCommandLine {

    public static final int DRIFT_FOUND = 3;
    public static final int INVALID_ITEMS = 4;

    private LedgerCommandLine() {}

    /** Whether {@code args} ask for a command-line job rather than the service. */
    public static boolean handles(String[] args) {
        return args.length > 0
                && (args[0].equals("projections") || args[0].equals("import") || args[0].equals("database"));
    }

    /**
     * Runs a job in a context of {@code application} (without a web server or the SQS listener) and returns its exit
     * code. {@code springArgs} are extra application arguments ({@code --name=value}), used by tests to point the job
     * at their infrastructure. The application class is a parameter so that this package does not depend on it.
     */
    public static int run(
            Class<?> application, String[] arguments, PrintWriter out, PrintWriter err, String... springArgs) {
        if (arguments.length > 0 && arguments[0].equals("database")) {
            // no application context: the bootstrap runs before the service's own user exists
            CommandLine database = databaseCommandLine(out, err);
            return database.execute(java.util.Arrays.copyOfRange(arguments, 1, arguments.length));
        }
        // the first word names the command group ("projections" or "import"), which is the root command itself
        boolean importing = arguments.length > 0 && arguments[0].equals("import");
        String[] args = handles(arguments) ? java.util.Arrays.copyOfRange(arguments, 1, arguments.length) : arguments;
        CommandLine parser = importing ? importCommandLine(null, out, err) : commandLine(null, out, err);
        try {
            parser.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            err.println(e.getMessage());
            e.getCommandLine().usage(err);
            return CommandLine.ExitCode.USAGE;
        }
        if (parser.isUsageHelpRequested()
                || parser.getSubcommands().values().stream().anyMatch(CommandLine::isUsageHelpRequested)) {
            return parser.execute(args);
        }
        List<String> spring = new ArrayList<>(List.of(springArgs));
        spring.add("--ledger.sqs.listener-enabled=false");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .run(spring.toArray(String[]::new))) {
            return runIn(context, arguments, out, err);
        } catch (RuntimeException e) {
            err.println("failed to start the application: " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /**
     * Runs a job in {@code context}, an application that is already running, and returns its exit code: the same
     * parsing, output and exit codes as {@link #run}, without starting an application of its own. {@link #run} ends
     * here; tests call it directly to run many jobs against one running context.
     */
    public static int runIn(
            ConfigurableApplicationContext context, String[] arguments, PrintWriter out, PrintWriter err) {
        if (arguments.length > 0 && arguments[0].equals("database")) {
            String[] args = java.util.Arrays.copyOfRange(arguments, 1, arguments.length);
            return databaseCommandLine(out, err).execute(args);
        }
        boolean importing = arguments.length > 0 && arguments[0].equals("import");
        String[] args = handles(arguments) ? java.util.Arrays.copyOfRange(arguments, 1, arguments.length) : arguments;
        return (importing ? importCommandLine(context, out, err) : commandLine(context, out, err)).execute(args);
    }

    private static CommandLine commandLine(ConfigurableApplicationContext context, PrintWriter out, PrintWriter err) {
        return reporting(
                new CommandLine(new Projections())
                        .addSubcommand(new Rebuild(context, out))
                        .addSubcommand(new Drift(context, out))
                        .addSubcommand(new StatusCommand(context, out)),
                out,
                err);
    }

    private static CommandLine importCommandLine(
            ConfigurableApplicationContext context, PrintWriter out, PrintWriter err) {
        return reporting(new CommandLine(new ImportGroup()).addSubcommand(new ImportDynamoDb(context, out)), out, err);
    }

    private static CommandLine databaseCommandLine(PrintWriter out, PrintWriter err) {
        return reporting(
                new CommandLine(new DatabaseGroup()).addSubcommand(new DatabaseBootstrapCommand(out)), out, err);
    }

    /** Output to {@code out} and {@code err}; a failing job prints "failed: …" and exits 1. */
    private static CommandLine reporting(CommandLine commandLine, PrintWriter out, PrintWriter err) {
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("failed: " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine;
    }

    /** A command group: run without a subcommand, it prints its usage and exits 2. */
    abstract static class Group implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return CommandLine.ExitCode.USAGE;
        }
    }

    @Command(
            name = "database",
            mixinStandardHelpOptions = true,
            description = "Prepare the database for the service (run with the admin credentials).")
    static final class DatabaseGroup extends Group {}

    @Command(
            name = "bootstrap",
            mixinStandardHelpOptions = true,
            description = "Create the service's own database user if missing (no superuser, CREATEROLE or CREATEDB; "
                    + "rds_iam where it exists) and make it the owner of the schema public and its objects, so the "
                    + "service and its Flyway migrations run as that user (adr/0019). Idempotent. Connects with the "
                    + "admin credentials; the password is read from the environment only.")
    static final class DatabaseBootstrapCommand implements Callable<Integer> {
        private final PrintWriter out;

        @Option(
                names = "--url",
                defaultValue = "${env:SPRING_DATASOURCE_URL}",
                description = "JDBC URL of the database (default: $SPRING_DATASOURCE_URL)")
        String url;

        @Option(
                names = "--admin-username",
                defaultValue = "${env:LEDGER_DATABASE_ADMIN_USERNAME}",
                description = "admin user, e.g. the RDS master user (default: $LEDGER_DATABASE_ADMIN_USERNAME)")
        String adminUsername;

        @Option(
                names = "--app-username",
                defaultValue = "${env:LEDGER_DATABASE_APP_USERNAME:-ledger_app}",
                description = "the service's own user (default: $LEDGER_DATABASE_APP_USERNAME, else ledger_app)")
        String appUsername;

        /** Read from the environment, never from the command line (it would show in process lists and task specs). */
        String adminPassword = System.getenv("LEDGER_DATABASE_ADMIN_PASSWORD");

        DatabaseBootstrapCommand(PrintWriter out) {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            if (url == null || url.isBlank() || adminUsername == null || adminUsername.isBlank()) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "set --url (SPRING_DATASOURCE_URL) and --admin-username (LEDGER_DATABASE_ADMIN_USERNAME)");
            }
            DatabaseBootstrap.Result result = DatabaseBootstrap.run(url, adminUsername, adminPassword, appUsername);
            out.printf(
                    "database %s: role %s %s, rds_iam %s, ownership taken of %s%n",
                    result.database(),
                    result.role(),
                    result.roleCreated() ? "created" : "exists",
                    result.iamGranted() ? "granted" : "not on this server",
                    result.ownershipTaken().isEmpty()
                            ? "nothing (all owned)"
                            : String.join(", ", result.ownershipTaken()));
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description = "Import entitlements that another system kept into the ledger.")
    static final class ImportGroup extends Group {}

    @Command(
            name = "dynamodb",
            mixinStandardHelpOptions = true,
            description = "Import every item of an entitlements table in the ledger's table contract; entitlements "
                    + "the ledger already has are skipped, so a stopped import can be run again (adr/0017).")
    static final class ImportDynamoDb implements Callable<Integer> {
        private final ConfigurableApplicationContext context;
        private final PrintWriter out;

        @Option(names = "--table", required = true, description = "the DynamoDB table to import")
        String table;

        @Option(names = "--dry-run", description = "read and count only; change nothing")
        boolean dryRun;

        ImportDynamoDb(ConfigurableApplicationContext context, PrintWriter out) {
            this.context = context;
            this.out = out;
        }

        @Override
        public Integer call() {
            TableImports imports = context.getBean(TableImports.class);
            ImportStatus started = imports.begin(table, dryRun, "command-line");
            out.printf("import %s of %s started%s%n", started.id(), table, dryRun ? " (dry run)" : "");
            out.flush();
            ImportStatus done = imports.run(started.id());
            for (ImportStatus.InvalidItem item : done.invalidItems()) {
                out.printf("INVALID %s/%s %s%n", item.userId(), item.entitlementKey(), item.reason());
            }
            out.printf(
                    "import %s %s: scanned %d, %s %d, skipped existing %d, invalid %d%n",
                    done.id(),
                    done.state(),
                    done.scanned(),
                    dryRun ? "would import" : "imported",
                    done.imported(),
                    done.skippedExisting(),
                    done.invalid());
            if (done.state() != ImportStatus.State.DONE) {
                out.println(done.failure());
                return CommandLine.ExitCode.SOFTWARE;
            }
            return done.invalid() > 0 ? INVALID_ITEMS : CommandLine.ExitCode.OK;
        }
    }

    @Command(
            name = "projections",
            mixinStandardHelpOptions = true,
            description = "Rebuild, check and inspect the ledger's projections.")
    static final class Projections extends Group {}

    @Command(
            name = "rebuild",
            mixinStandardHelpOptions = true,
            description = "Rebuild the projection under a new generation in one pass over the event store, run by this "
                    + "job: for dynamodb, every item written once (adr/0014); for history, the table emptied and every "
                    + "row written again (adr/0026). Exits when the projection has caught up.")
    static final class Rebuild implements Callable<Integer> {
        private final ConfigurableApplicationContext context;
        private final PrintWriter out;

        @Parameters(index = "0", description = "projection: dynamodb or history")
        String projection;

        @Option(
                names = "--timeout",
                defaultValue = "PT2H",
                description = "give up after this long (ISO-8601, default PT2H)")
        Duration timeout;

        Rebuild(ConfigurableApplicationContext context, PrintWriter out) {
            this.context = context;
            this.out = out;
        }

        @Override
        public Integer call() throws InterruptedException {
            Projection target = Projection.named(projection);
            long generation = context.getBean(Rebuilds.class).rebuild(target, "command-line", Duration.ofMinutes(2));
            out.printf("rebuild of %s started: generation %d%n", target.publicName(), generation);
            out.flush();
            // the one pass over the event store runs in this process: wait for it before following the catch-up
            context.getBean(Rebuilds.class).awaitBulk(target);
            ProjectionStatus status = context.getBean(ProjectionStatus.class);
            Instant giveUp = Instant.now().plus(timeout);
            while (Instant.now().isBefore(giveUp)) {
                ProjectionStatus.Status current = status.of(target);
                out.printf(
                        "%s: %s, position %d of %d, %s%n",
                        target.publicName(),
                        current.state(),
                        current.position(),
                        current.head(),
                        current.replaying()
                                ? "replay " + current.replayProgressPercent() + "%"
                                : "lag " + current.lagEvents() + " events");
                out.flush();
                if (!current.replaying()
                        && current.lagEvents() == 0
                        && current.generation() == generation
                        && "RUNNING".equals(current.state())) {
                    out.printf("rebuild of %s complete%n", target.publicName());
                    return CommandLine.ExitCode.OK;
                }
                Thread.sleep(1_000);
            }
            out.printf(
                    "rebuild of %s did not complete within %s; it goes on in the running service%n",
                    target.publicName(), timeout);
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    @Command(
            name = "drift",
            mixinStandardHelpOptions = true,
            description = "Compare every item of the projection with the state computed from the events; "
                    + "exit code 3 when drift is found (0: none; 1: failure; 2: usage error).")
    static final class Drift implements Callable<Integer> {
        private final ConfigurableApplicationContext context;
        private final PrintWriter out;

        @Parameters(index = "0", description = "projection: dynamodb")
        String projection;

        @Option(names = "--limit", defaultValue = "1000", description = "list at most this many differences")
        int limit;

        Drift(ConfigurableApplicationContext context, PrintWriter out) {
            this.context = context;
            this.out = out;
        }

        @Override
        public Integer call() {
            if (Projection.named(projection) != Projection.DYNAMODB) {
                throw new IllegalArgumentException("drift is checked for the dynamodb projection only");
            }
            DriftCheck.Report report = context.getBean(DriftCheck.class).run(limit);
            for (DriftCheck.Drift drift : report.drift()) {
                out.printf(
                        "%s %s/%s %s%n",
                        drift.kind(),
                        drift.userId(),
                        drift.entitlementKey(),
                        drift.fields().isEmpty() ? "" : drift.fields());
            }
            out.printf(
                    "checked %d entitlements: %s%n",
                    report.checked(),
                    report.clean()
                            ? "no drift"
                            : report.drift().size() + (report.truncated() ? "+" : "") + " differences");
            return report.clean() ? CommandLine.ExitCode.OK : DRIFT_FOUND;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show every projection's state and lag.")
    static final class StatusCommand implements Callable<Integer> {
        private final ConfigurableApplicationContext context;
        private final PrintWriter out;

        StatusCommand(ConfigurableApplicationContext context, PrintWriter out) {
            this.context = context;
            this.out = out;
        }

        @Override
        public Integer call() {
            out.printf(
                    "%-10s %-20s %-10s %10s %10s %10s %8s %10s%n",
                    "projection", "processor", "state", "position", "head", "lag", "replay%", "generation");
            for (ProjectionStatus.Status s :
                    context.getBean(ProjectionStatus.class).all()) {
                out.printf(
                        "%-10s %-20s %-10s %10d %10d %10d %8s %10d%n",
                        s.projection(),
                        s.processor(),
                        s.state(),
                        s.position(),
                        s.head(),
                        s.lagEvents(),
                        s.replayProgressPercent() == null ? "-" : s.replayProgressPercent(),
                        s.generation());
            }
            return CommandLine.ExitCode.OK;
        }
    }
}
