package dev.ledger.projection.history;

import java.io.IOException;
import java.io.Writer;

/** RFC 4180 CSV: a field with a comma, a quote, CR or LF is quoted and its quotes doubled; lines end with CRLF. */
final class Csv {

    private Csv() {}

    static void row(Writer writer, String... fields) throws IOException {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                writer.write(',');
            }
            writer.write(field(fields[i]));
        }
        writer.write("\r\n");
    }

    static String field(String value) {
        if (value == null) {
            return "";
        }
        boolean quote = value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
