package dev.ledger.importing;

import dev.ledger.web.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/**
 * An import that cannot start or be found: {@code TABLE_NOT_FOUND} (404), {@code IMPORT_NOT_FOUND} (404) or
 * {@code IMPORT_RUNNING} (409). Spring MVC answers it as its problem detail, which carries the {@code code}.
 */
public class ImportRefused extends ErrorResponseException {

    private final String code;

    ImportRefused(HttpStatus status, String code, String detail) {
        super(status, Problems.of(status, code, detail), null);
        this.code = code;
    }

    public String code() {
        return code;
    }

    @Override
    public String getMessage() {
        return code + ": " + getBody().getDetail();
    }
}
