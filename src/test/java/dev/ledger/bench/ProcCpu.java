package dev.ledger.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * CPU time of processes from {@code /proc/<pid>/stat} (user + system, in clock ticks of 10 ms), so that a consumer's
 * cost per message is its own and not the machine's: other processes' noise does not enter it.
 */
final class ProcCpu {

    /** {@code getconf CLK_TCK} on Linux: 100 ticks per second. */
    static final double MILLIS_PER_TICK = 10.0;

    private ProcCpu() {}

    /** CPU milliseconds the process has used so far (its threads, not its children). */
    static double millis(long pid) {
        long[] fields = fields(pid);
        return fields == null ? 0 : (fields[0] + fields[1]) * MILLIS_PER_TICK;
    }

    /**
     * CPU milliseconds used so far by the process {@code root} and its descendants: the live ones, and the ones that
     * ended and were waited for (a Postgres server: the postmaster, its backends and its background workers).
     */
    static double treeMillis(long root) {
        long[] own = fields(root);
        if (own == null) {
            return 0;
        }
        double ticks = own[0] + own[1] + own[2] + own[3];
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if (pid != root && parent(pid) == root) {
                    long[] child = fields(pid);
                    if (child != null) {
                        ticks += child[0] + child[1] + child[2] + child[3];
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ticks * MILLIS_PER_TICK;
    }

    /** The parent of {@code pid}, or -1 when it is gone. */
    static long parent(long pid) {
        String[] after = afterCommand(pid);
        return after == null ? -1 : Long.parseLong(after[1]);
    }

    /** utime, stime, cutime, cstime; null when the process is gone. */
    private static long[] fields(long pid) {
        String[] after = afterCommand(pid);
        if (after == null) {
            return null;
        }
        // after the ")": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17), numbered from pid = 1
        return new long[] {
            Long.parseLong(after[11]), Long.parseLong(after[12]), Long.parseLong(after[13]), Long.parseLong(after[14])
        };
    }

    /** The fields of /proc/pid/stat after the command name, which may contain spaces: [0] is the state. */
    private static String[] afterCommand(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
