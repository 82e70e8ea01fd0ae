package dev.ledger.web;

import java.io.IOException;
import java.io.PrintWriter;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;

/**
 * Tomcat's error page as a problem detail. Tomcat answers some requests itself, before Spring sees them (an encoded
 * slash in a path, a malformed request line), and its default valve writes an HTML page that a client of a JSON API
 * cannot read. Installed on the host by {@link ProblemErrorPages}.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatusCode code = HttpStatusCode.valueOf(status);
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("utf-8");
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                // fixed text only: nothing from the request is echoed back
                writer.write(Problems.json(Problems.of(
                        code, "the server refused the request before routing it: " + Problems.title(code))));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response committed: there is nobody left to tell
            container.getLogger().debug("could not write the problem detail", e);
        }
    }
}
