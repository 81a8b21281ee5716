package io.tokenflow.core;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Cuts secrets out of text that came from the server or the network: the credentials one request
 * carried, the access token it renews, and optionally the string values of a JSON body.
 * Immutable; one per request.
 */
final class Redactor {

    private static final String MARK = "[redacted]";
    /** Body values shorter than this are words ("Bearer"), not credentials. */
    private static final int MIN_BODY_VALUE = 8;
    /** Deeper cause chains are not followed (and a cyclic one ends). */
    private static final int MAX_CAUSES = 32;
    /** The form parameters that carry a credential: secrets, assertions, tokens. */
    private static final List<String> FORM_SECRETS = List.of("client_secret", "client_assertion", "refresh_token", "assertion",
            "subject_token", "actor_token");

    private final List<String> secrets;
    /** Every secret, in any case (a decoder may upper-case what it quotes); null when there is none. */
    private final @Nullable Pattern pattern;

    private Redactor(Collection<String> secrets) {
        // Longest first, so that a secret containing another is cut whole.
        this.secrets = secrets.stream().filter(s -> !s.isEmpty()).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.pattern = this.secrets.isEmpty() ? null : Pattern.compile(
                this.secrets.stream().map(Pattern::quote).collect(Collectors.joining("|")),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /**
     * The credentials {@code request} carries (the client's, the grant's assertion or subject token, a DPoP
     * proof), and the access token being renewed: it is not sent,
     * but the server knows it and may quote it (a description naming the token it revokes). Each
     * in every spelling it has on the wire: as is, and form-encoded (the form body, and the
     * pre-encoded parts of HTTP Basic, RFC 6749 §2.3.1) with a space as {@code +} or {@code %20};
     * percent escapes match in either letter case.
     */
    static Redactor forRequest(HTTPRequest request, @Nullable String clientSecret, @Nullable String refreshToken,
                               @Nullable String heldAccessToken) {
        List<String> secrets = new ArrayList<>();
        if (clientSecret != null) {
            secrets.add(clientSecret);
        }
        if (refreshToken != null) {
            secrets.add(refreshToken);
        }
        if (heldAccessToken != null) {
            secrets.add(heldAccessToken);
        }
        String authorization = request.getAuthorization();
        if (authorization != null) {
            secrets.add(authorization.substring(authorization.indexOf(' ') + 1).trim());
        }
        String proof = request.getHeaderValue(DpopProofs.HEADER);
        if (proof != null) {
            secrets.add(proof);
        }
        try {
            Map<String, List<String>> form = request.getBodyAsFormParameters();
            for (String name : FORM_SECRETS) {
                secrets.addAll(form.getOrDefault(name, List.of()));
            }
        } catch (ParseException | RuntimeException noForm) {
            // Nothing more to hide than what we were given.
        }
        List<String> spelled = new ArrayList<>(secrets.size() * 3);
        for (String secret : secrets) {
            spelled.add(secret);
            String form = URLEncoder.encode(secret, StandardCharsets.UTF_8);
            spelled.add(form);
            spelled.add(form.replace("+", "%20"));
        }
        return new Redactor(spelled);
    }

    /** Also cuts every string value of {@code body} (of 8 characters or more: shorter ones are words, not credentials). */
    Redactor withValuesOf(Map<String, Object> body) {
        List<String> all = new ArrayList<>(secrets);
        collectStrings(body, all, 0);
        return new Redactor(all);
    }

    String apply(String text) {
        return pattern == null ? text : pattern.matcher(text).replaceAll(MARK);
    }

    /** Whether any message in the cause chain of {@code error} (suppressed ones included) contains a secret. */
    boolean anyIn(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            String message = t.getMessage();
            if (message != null && !apply(message).equals(message)) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (anyIn(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A throwable's type and message, cut at 200 characters; not redacted. */
    static String safeMessage(Throwable e) {
        String message = e.getMessage();
        String text = message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static void collectStrings(@Nullable Object value, List<String> into, int depth) {
        if (depth > 16) {
            return;
        }
        if (value instanceof String s && s.length() >= MIN_BODY_VALUE) {
            into.add(s);
        } else if (value instanceof Map<?, ?> map) {
            map.values().forEach(v -> collectStrings(v, into, depth + 1));
        } else if (value instanceof Collection<?> list) {
            list.forEach(v -> collectStrings(v, into, depth + 1));
        }
    }
}
