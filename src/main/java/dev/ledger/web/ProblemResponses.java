package dev.ledger.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ledger.command.IdempotencyKeyReused;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import java.time.Instant;
import java.util.Locale;
import java.util.stream.Collectors;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.validation.FieldError;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
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
            case ENTITLEMENT_NOT_FOUND, USAGE_NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ENTITLEMENT_EXISTS,
                    ENTITLEMENT_INACTIVE,
                    NO_USAGE_TRACKING,
                    LIMIT_EXCEEDED,
                    REVERSAL_EXCEEDS_ORIGINAL -> HttpStatus.CONFLICT;
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
        return ResponseEntity.badRequest()
                .body(Problems.of(HttpStatus.BAD_REQUEST, invalid.code(), invalid.getMessage()));
    }

    @ExceptionHandler(IdempotencyKeyReused.class)
    ResponseEntity<ProblemDetail> reused(IdempotencyKeyReused reused) {
        return ResponseEntity.unprocessableEntity()
                .body(Problems.of(HttpStatus.UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED", reused.getMessage()));
    }

    @ExceptionHandler(ConcurrencyException.class)
    ResponseEntity<ProblemDetail> conflict(ConcurrencyException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .body(Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "CONCURRENT_MODIFICATION",
                        "the entitlement was changed concurrently and retries were exhausted; retry the request"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unhandled error in HTTP request", e);
        return ResponseEntity.internalServerError()
                .body(Problems.of(
                        HttpStatus.INTERNAL_SERVER_ERROR,
                        "INTERNAL_ERROR",
                        "an unexpected error occurred; it has been logged"));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        Throwable cause = ex.getCause();
        ProblemDetail problem;
        if (cause instanceof UnrecognizedPropertyException unknown) {
            problem = Problems.of(
                    HttpStatus.BAD_REQUEST,
                    "UNKNOWN_FIELD",
                    "unknown field '" + unknown.getPropertyName() + "'; known fields: "
                            + unknown.getKnownPropertyIds());
        } else if (cause instanceof MismatchedInputException mismatch) {
            String path = mismatch.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            problem = Problems.of(
                    HttpStatus.BAD_REQUEST,
                    "INVALID_FIELD_TYPE",
                    "field '" + path + "' has the wrong type: " + mismatch.getOriginalMessage());
        } else if (cause instanceof JsonProcessingException json) {
            problem = Problems.of(
                    HttpStatus.BAD_REQUEST,
                    "MALFORMED_JSON",
                    "the body is not valid JSON: " + json.getOriginalMessage());
        } else {
            problem = Problems.of(
                    HttpStatus.BAD_REQUEST, "MALFORMED_JSON", "the body is missing or not readable as JSON");
        }
        return ResponseEntity.badRequest().body(problem);
    }

    /**
     * A parameter that cannot become its type: the converter's own code when it names one (a time),
     * otherwise {@code INVALID_PARAMETER}.
     */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
        if (NestedExceptionUtils.getMostSpecificCause(ex) instanceof InvalidInput invalid) {
            return badRequest(invalid.code(), "parameter '" + name + "': " + invalid.getMessage());
        }
        return badRequest("INVALID_PARAMETER", "parameter '" + name + "' has an invalid value '" + ex.getValue() + "'");
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            MissingServletRequestParameterException ex,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        boolean instant =
                ex.getMethodParameter() != null && ex.getMethodParameter().getParameterType() == Instant.class;
        return badRequest(
                "MISSING_PARAMETER",
                ex.getParameterName() + " is required"
                        + (instant ? ": an ISO-8601 instant such as 2025-01-01T00:00:00Z" : ""));
    }

    /** A parameter outside its constraints ({@code @Min}, {@code @Pattern}, …): {@code INVALID_<NAME>}. */
    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ParameterValidationResult result = ex.getParameterValidationResults().get(0);
        if (result instanceof ParameterErrors errors && errors.hasFieldErrors()) {
            return invalidField(errors.getFieldErrors().get(0));
        }
        MessageSourceResolvable error = result.getResolvableErrors().get(0);
        String name = result.getMethodParameter().getParameterName();
        return badRequest(
                invalidCode(name), name + " " + error.getDefaultMessage() + ", got '" + result.getArgument() + "'");
    }

    /** A field of a body or of a parameter object that is invalid or of the wrong type: {@code INVALID_<FIELD>}. */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ex.hasFieldErrors()
                ? invalidField(ex.getFieldErrors().get(0))
                : badRequest("INVALID_PARAMETER", ex.getAllErrors().get(0).getDefaultMessage());
    }

    private ResponseEntity<Object> invalidField(FieldError error) {
        String name = error.getField();
        if (error.contains(TypeMismatchException.class)
                && NestedExceptionUtils.getMostSpecificCause(error.unwrap(TypeMismatchException.class))
                        instanceof InvalidInput invalid) {
            return badRequest(invalid.code(), "parameter '" + name + "': " + invalid.getMessage());
        }
        String detail =
                error.contains(TypeMismatchException.class) ? "has an invalid value" : error.getDefaultMessage();
        return badRequest(invalidCode(name), name + " " + detail + ", got '" + error.getRejectedValue() + "'");
    }

    /** {@code limit} → {@code INVALID_LIMIT}, {@code messageIds[0]} → {@code INVALID_MESSAGE_IDS}. */
    static String invalidCode(String name) {
        String field = name.replaceAll("\\[.*?]", "");
        field = field.substring(field.lastIndexOf('.') + 1);
        return "INVALID_" + field.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static ResponseEntity<Object> badRequest(String code, String detail) {
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, code, detail));
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(
            @Nullable Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        return super.createResponseEntity(
                body instanceof ProblemDetail problem ? Problems.withCode(problem) : body,
                headers,
                statusCode,
                request);
    }
}
