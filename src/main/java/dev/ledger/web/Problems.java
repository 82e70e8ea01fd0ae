package dev.ledger.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;

/**
 * Builds every RFC 9457 problem detail of the API: {@code type}, {@code title} (the status's reason phrase),
 * {@code status}, {@code detail} and the stable {@code code}, plus any values the caller adds. Controller advice, the
 * error controller, the security layer and Tomcat's error valve all answer through it.
 */
public final class Problems {

    /** Serializes a problem without a Spring context (Tomcat's valve): flat properties, as Spring MVC writes them. */
    private static final ObjectMapper JSON = Jackson2ObjectMapperBuilder.json().build();

    private Problems() {}

    public static ProblemDetail of(HttpStatusCode status, String code, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title(status));
        problem.setProperty("code", code);
        return problem;
    }

    /** A problem whose code is the status itself ({@code NOT_FOUND}, {@code HTTP_599}): nothing more specific is known. */
    public static ProblemDetail of(HttpStatusCode status, String detail) {
        return of(status, code(status), detail);
    }

    /** Gives a problem built elsewhere (by Spring MVC) the code of its status, unless it has one. */
    static ProblemDetail withCode(ProblemDetail problem) {
        if (problem.getProperties() == null || !problem.getProperties().containsKey("code")) {
            problem.setProperty("code", code(HttpStatusCode.valueOf(problem.getStatus())));
        }
        return problem;
    }

    static String code(HttpStatusCode status) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return known == null ? "HTTP_" + status.value() : known.name();
    }

    static String title(HttpStatusCode status) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return known == null ? "HTTP " + status.value() : known.getReasonPhrase();
    }

    static String json(ProblemDetail problem) throws IOException {
        return JSON.writeValueAsString(problem);
    }

    /** Answers with the problem outside Spring MVC (the security filters), as {@code application/problem+json}. */
    static void write(ProblemDetail problem, HttpServletResponse response) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), problem);
    }
}
