package dev.ledger.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import java.util.stream.Collectors;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into an RFC 9457 problem detail with a stable {@code code}: domain rejections keep their reason
 * code, invalid input its specific code, and Spring MVC's own errors (bad JSON, wrong method, unknown path) get a code
 * derived from what went wrong.
 */
@RestControllerAdvice
class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    @ExceptionHandler(EntitlementRejection.class)
    ResponseEntity<ProblemDetail> rejection(EntitlementRejection rejection) {
        HttpStatus status = switch (rejection.reason()) {
            case ENTITLEMENT_NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ENTITLEMENT_EXISTS, ENTITLEMENT_INACTIVE, NO_USAGE_TRACKING, LIMIT_EXCEEDED -> HttpStatus.CONFLICT;
        };
        ProblemDetail problem = Problems.of(status, rejection.reason().name(), rejection.getMessage());
        if (rejection.limit() != null) {
            problem.setProperty("limit", rejection.limit());
            problem.setProperty("used", rejection.used());
            problem.setProperty("requested", rejection.requested());
        }
        return ResponseEntity.status(status).body(problem);
    }

    @ExceptionHandler(InvalidInput.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInput invalid) {
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, invalid.code(), invalid.getMessage()));
    }

    @ExceptionHandler(ConcurrencyException.class)
    ResponseEntity<ProblemDetail> conflict(ConcurrencyException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1")
                .body(Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "CONCURRENT_MODIFICATION",
                        "the entitlement was changed concurrently and retries were exhausted; retry the request"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unhandled error in HTTP request", e);
        return ResponseEntity.internalServerError().body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "an unexpected error occurred; it has been logged"));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        Throwable cause = ex.getCause();
        ProblemDetail problem;
        if (cause instanceof UnrecognizedPropertyException unknown) {
            problem = Problems.of(HttpStatus.BAD_REQUEST, "UNKNOWN_FIELD", "unknown field '" + unknown.getPropertyName()
                    + "'; known fields: " + unknown.getKnownPropertyIds());
        } else if (cause instanceof MismatchedInputException mismatch) {
            String path = mismatch.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            problem = Problems.of(HttpStatus.BAD_REQUEST, "INVALID_FIELD_TYPE",
                    "field '" + path + "' has the wrong type: " + mismatch.getOriginalMessage());
        } else if (cause instanceof JsonProcessingException json) {
            problem = Problems.of(HttpStatus.BAD_REQUEST, "MALFORMED_JSON", "the body is not valid JSON: "
                    + json.getOriginalMessage());
        } else {
            problem = Problems.of(HttpStatus.BAD_REQUEST, "MALFORMED_JSON", "the body is missing or not readable as JSON");
        }
        return ResponseEntity.badRequest().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException ex,
                                                        HttpHeaders headers, HttpStatusCode status,
                                                        WebRequest request) {
        String name = ex instanceof org.springframework.web.method.annotation.MethodArgumentTypeMismatchException m
                ? m.getName() : ex.getPropertyName();
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "INVALID_PARAMETER",
                "parameter '" + name + "' has an invalid value '" + ex.getValue() + "'"));
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
                                                          HttpStatusCode statusCode, WebRequest request) {
        return super.createResponseEntity(body instanceof ProblemDetail problem ? Problems.withCode(problem) : body,
                headers, statusCode, request);
    }
}
