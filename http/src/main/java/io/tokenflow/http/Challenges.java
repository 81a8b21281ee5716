package io.tokenflow.http;

import java.util.List;

/**
 * Reads {@code WWW-Authenticate} challenges (RFC 9110 §11.6.1, RFC 6750 §3): a comma-separated
 * list of {@code scheme [token68 | name=value, ...]}, where a value is a token or a quoted string.
 * Lenient: what it cannot read it skips, so a malformed header means "no such error", never an
 * exception.
 */
final class Challenges {

    private Challenges() {
    }

    /**
     * Whether any of the header values holds a challenge of {@code scheme} (case-insensitive) whose
     * {@code error} parameter is exactly {@code error}, e.g. {@code Bearer error="invalid_token"}.
     */
    static boolean hasError(List<String> headerValues, String scheme, String error) {
        for (String value : headerValues) {
            if (value != null && hasError(value, scheme, error)) {
                return true;
            }
        }
        return false;
    }

    static boolean hasError(String header, String scheme, String error) {
        int n = header.length();
        int i = 0;
        String current = null;
        boolean afterScheme = false;
        while (i < n) {
            char c = header.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            if (c == ',') {
                afterScheme = false;
                i++;
                continue;
            }
            int start = i;
            while (i < n && isToken68Char(header.charAt(i))) {
                i++;
            }
            if (i == start) {
                i++;
                continue;
            }
            String word = header.substring(start, i);
            int j = skipSpace(header, i);
            if (j < n && header.charAt(j) == '=') {
                int k = j;
                while (k < n && header.charAt(k) == '=') {
                    k++;
                }
                int valueStart = skipSpace(header, k);
                if (k - j > 1 || valueStart >= n || header.charAt(valueStart) == ',') {
                    // token68 with padding, e.g. "Basic dXNlcg==": no parameter
                    i = valueStart;
                    afterScheme = false;
                    continue;
                }
                StringBuilder parameter = new StringBuilder();
                i = readValue(header, valueStart, parameter);
                if (i < 0) {
                    return false;
                }
                if (current != null && current.equalsIgnoreCase(scheme) && word.equalsIgnoreCase("error")
                        && parameter.toString().equals(error)) {
                    return true;
                }
                afterScheme = false;
            } else if (afterScheme) {
                // token68 without padding
                afterScheme = false;
                i = j;
            } else {
                current = word;
                afterScheme = true;
                i = j;
            }
        }
        return false;
    }

    /**
     * Reads a token or a quoted string starting at {@code i} into {@code out}; returns the index
     * after it, or -1 for a quoted string that does not end.
     */
    private static int readValue(String s, int i, StringBuilder out) {
        int n = s.length();
        if (s.charAt(i) == '"') {
            i++;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < n) {
                    out.append(s.charAt(i + 1));
                    i += 2;
                } else if (c == '"') {
                    return i + 1;
                } else {
                    out.append(c);
                    i++;
                }
            }
            return -1;
        }
        while (i < n && isToken68Char(s.charAt(i))) {
            out.append(s.charAt(i));
            i++;
        }
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** RFC 9110 tchar, plus '/' for token68. */
    private static boolean isToken68Char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~/".indexOf(c) >= 0;
    }
}
