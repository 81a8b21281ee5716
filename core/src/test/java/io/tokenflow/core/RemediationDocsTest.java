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
 * Holds the table "Permanent errors and their remediation" in {@code docs/operations.md} against
 * {@link Remediation}: every documented hint is the one the code gives for that failure, and every
 * hint the code can give is documented.
 */
class RemediationDocsTest {

    private static final Path OPERATIONS = Path.of("..", "docs", "operations.md");
    private static final String HEADING = "## Permanent errors and their remediation";

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
        CASES.put("jwt-bearer assertion or token exchange subject token unavailable (transient: retried)",
                TokenFailure.of(FailureOrigin.GRANT_INPUT, FailureKind.PERMANENT, "no assertion"));
        CASES.put("another `error`, or none, made permanent by a replaced `ErrorClassifier`", permanentAnswer(403, null));
        CASES.put("a network failure made permanent by a replaced `ErrorClassifier`",
                TokenFailure.noAnswer(FailureKind.PERMANENT, "connection refused"));
    }

    @Test
    void everyDocumentedHintIsTheOneTheCodeGives() throws IOException {
        Map<String, String> documented = documentedHints();

        assertThat(documented.keySet()).as("rows of the table").containsExactlyElementsOf(CASES.keySet());
        CASES.forEach((row, failure) -> assertThat(Remediation.hint(failure, "`<id>`", "`<endpoint>`", "`<store>`"))
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

    private static String hint(TokenFailure failure) {
        return Remediation.hint(failure, "`<id>`", "`<endpoint>`", "`<store>`");
    }

    private static TokenFailure permanentAnswer(int status, String code) {
        return TokenFailure.answer(FailureKind.PERMANENT, status, code, null, "HTTP " + status + " " + code);
    }

    /** First column -> second column of the table under {@link #HEADING}. */
    private static Map<String, String> documentedHints() throws IOException {
        List<String> lines = Files.readAllLines(OPERATIONS);
        int start = lines.indexOf(HEADING);
        assertThat(start).as("'%s' in %s", HEADING, OPERATIONS).isNotNegative();
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
