package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Holds the tables "Permanent errors and their remediation" and "Transient failures with a hint"
 * in {@code docs/operations.md} against {@link Remediation}: every documented hint is the one the
 * code gives for that failure, and every hint the code can give is documented.
 */
class RemediationDocsTest {

    private static final Path OPERATIONS = Path.of("..", "docs", "operations.md");
    private static final String HEADING = "## Permanent errors and their remediation";
    private static final String TRANSIENT_HEADING = "## Transient failures with a hint";

    /** The table's first column -> a failure of that kind. */
    private static final Map<String, TokenFailure> CASES = new LinkedHashMap<>();

    static {
        CASES.put("`invalid_client`", permanentAnswer(401, "invalid_client"));
        CASES.put("`invalid_grant`", permanentAnswer(400, "invalid_grant"));
        CASES.put("`unauthorized_client`, `unsupported_grant_type`", permanentAnswer(400, "unauthorized_client"));
        CASES.put("`invalid_scope`", permanentAnswer(400, "invalid_scope"));
        CASES.put("`invalid_request`", permanentAnswer(400, "invalid_request"));
        CASES.put("TLS certificate rejected", TokenFailure.of(FailureOrigin.TLS, FailureKind.PERMANENT, "TLS failed"));
        CASES.put("credential store unreadable or corrupt",
                TokenFailure.of(FailureOrigin.STORE, FailureKind.PERMANENT, "credential store failed"));
        CASES.put("`private_key_jwt` or `client_secret_jwt` assertion cannot be signed",
                TokenFailure.of(FailureOrigin.CLIENT_KEY, FailureKind.PERMANENT, "cannot sign"));
        CASES.put("jwt-bearer assertion or token exchange subject token unavailable (always transient: the hint of the table below)",
                TokenFailure.of(FailureOrigin.GRANT_INPUT, FailureKind.PERMANENT, "no assertion"));
        CASES.put("issuer metadata unusable (`issuer(..)`: another issuer, no token endpoint, the method not offered)",
                TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT, "mix-up"));
        CASES.put("another `error`, or none, made permanent by a replaced `ErrorClassifier`", permanentAnswer(403, null));
        CASES.put("a network failure made permanent by a replaced `ErrorClassifier`",
                TokenFailure.noAnswer(FailureKind.PERMANENT, "connection refused"));
    }

    /** The transient table's first column -> a failure of that kind. */
    private static final Map<String, TokenFailure> TRANSIENT_CASES = new LinkedHashMap<>();

    static {
        TRANSIENT_CASES.put("HTTP 404 or 405 without an OAuth `error`", transientAnswer(404));
        TRANSIENT_CASES.put("HTTP 401 or 403 without an OAuth `error`", transientAnswer(403));
        TRANSIENT_CASES.put("HTTP 3xx", transientAnswer(301));
        TRANSIENT_CASES.put("HTTP 2xx that is not a token response", transientAnswer(200));
        TRANSIENT_CASES.put("connection refused", TokenFailure.of(FailureOrigin.CONNECT_REFUSED, FailureKind.TRANSIENT, "refused"));
        TRANSIENT_CASES.put("the host name does not resolve",
                TokenFailure.of(FailureOrigin.UNKNOWN_HOST, FailureKind.TRANSIENT, "unknown host"));
        TRANSIENT_CASES.put("`https://` to a plain-HTTP port", TokenFailure.of(FailureOrigin.NOT_TLS, FailureKind.TRANSIENT, "plain"));
        TRANSIENT_CASES.put("jwt-bearer assertion or token exchange subject token unavailable",
                TokenFailure.of(FailureOrigin.GRANT_INPUT, FailureKind.TRANSIENT, "no assertion"));
    }

    @Test
    void everyDocumentedTransientHintIsTheOneTheCodeGives() throws IOException {
        Map<String, String> documented = documentedHints(TRANSIENT_HEADING);

        assertThat(documented.keySet()).as("rows of the table").containsExactlyElementsOf(TRANSIENT_CASES.keySet());
        TRANSIENT_CASES.forEach((row, failure) -> assertThat(hint(failure)).as("hint for %s", row).isEqualTo(documented.get(row)));
    }

    /** Every status without an OAuth error, and every origin: each hint given is a documented one, up to the status number. */
    @Test
    void everyTransientHintTheCodeCanGiveIsDocumented() throws IOException {
        List<String> documented = List.copyOf(documentedHints(TRANSIENT_HEADING).values());
        List<TokenFailure> failures = new java.util.ArrayList<>();
        for (int status = 100; status <= 599; status++) {
            failures.add(transientAnswer(status));
        }
        for (FailureOrigin origin : FailureOrigin.values()) {
            if (origin != FailureOrigin.ANSWER) {
                failures.add(TokenFailure.of(origin, FailureKind.TRANSIENT, "failed"));
            }
        }
        for (TokenFailure failure : failures) {
            PLACEHOLDERS.hint(failure).ifPresent(hint -> assertThat(documented)
                    .as("documented hint for %s", failure)
                    .anySatisfy(doc -> assertThat(hint.replaceAll("HTTP \\d{3}", "HTTP n"))
                            .isEqualTo(doc.replaceAll("HTTP \\d{3}", "HTTP n"))));
        }
    }

    @Test
    void anOutageHasNoHint() {
        assertThat(PLACEHOLDERS.hint(transientAnswer(503))).isEmpty();
        assertThat(PLACEHOLDERS.hint(transientAnswer(429))).isEmpty();
        assertThat(PLACEHOLDERS.hint(TokenFailure.answer(FailureKind.TRANSIENT, 404, "temporarily_unavailable", null, "x")))
                .as("an OAuth error came from the authorization server itself").isEmpty();
        assertThat(PLACEHOLDERS.hint(TokenFailure.noAnswer(FailureKind.TRANSIENT, "connection refused by 127.0.0.1:1")))
                .as("the origin decides, not the text").isEmpty();
    }

    @Test
    void everyDocumentedHintIsTheOneTheCodeGives() throws IOException {
        Map<String, String> documented = documentedHints();

        assertThat(documented.keySet()).as("rows of the table").containsExactlyElementsOf(CASES.keySet());
        CASES.forEach((row, failure) -> assertThat(hint(failure))
                .as("hint for %s", row)
                .isEqualTo(documented.get(row)));
    }

    @Test
    void everyOriginAndEveryPermanentOAuthErrorHasADocumentedHint() throws IOException {
        List<String> hints = List.copyOf(documentedHints().values());
        for (FailureOrigin origin : FailureOrigin.values()) {
            TokenFailure failure = origin == FailureOrigin.ANSWER ? permanentAnswer(400, null)
                    : TokenFailure.of(origin, FailureKind.PERMANENT, "failed");
            assertThat(hints).as("documented hint for origin %s", origin).contains(hint(failure));
        }
        for (String code : List.of("invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                "unsupported_grant_type", "invalid_scope")) {
            assertThat(hints).as("documented hint for %s", code).contains(hint(permanentAnswer(400, code)));
        }
    }

    @Test
    void theHintFollowsTheOriginNotTheMessage() {
        TokenFailure storeFailureMentioningAKey = TokenFailure.of(FailureOrigin.STORE, FailureKind.PERMANENT,
                "cannot read the private_key_jwt settings");
        TokenFailure tlsFailureMentioningTheStore = TokenFailure.of(FailureOrigin.TLS, FailureKind.PERMANENT,
                "credential store of the TLS proxy");

        assertThat(hint(storeFailureMentioningAKey)).startsWith("repair or rewrite the credential in");
        assertThat(hint(tlsFailureMentioningTheStore)).startsWith("check the TLS trust store");
    }

    private static final Remediation PLACEHOLDERS = new Remediation("`<id>`", "`<endpoint>`", "`<host>:<port>`", "`<store>`");

    private static String hint(TokenFailure failure) {
        return PLACEHOLDERS.hint(failure).orElseThrow();
    }

    private static TokenFailure transientAnswer(int status) {
        return TokenFailure.answer(FailureKind.TRANSIENT, status, null, null, "HTTP " + status + " without an OAuth error");
    }

    private static TokenFailure permanentAnswer(int status, String code) {
        return TokenFailure.answer(FailureKind.PERMANENT, status, code, null, "HTTP " + status + " " + code);
    }

    /** First column -> second column of the table under {@link #HEADING}. */
    private static Map<String, String> documentedHints() throws IOException {
        return documentedHints(HEADING);
    }

    /** First column -> second column of the first table under {@code heading}. */
    private static Map<String, String> documentedHints(String heading) throws IOException {
        List<String> lines = Files.readAllLines(OPERATIONS);
        int start = lines.indexOf(heading);
        assertThat(start).as("'%s' in %s", heading, OPERATIONS).isNotNegative();
        Map<String, String> hints = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            String[] cells = line.split("\\|");
            String first = cells[1].trim();
            if (first.equals("failure") || first.startsWith("---")) {
                continue;
            }
            hints.put(first, cells[2].trim());
        }
        return hints;
    }
}
