package io.tokenflow.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The live status page of {@code GET /status/ui}: one HTML resource with its CSS and script
 * inline, read once from the class path, and the {@code Content-Security-Policy} that lets the
 * page run exactly that script and style and talk to its own origin only (nothing from outside:
 * no framework, no font, no image but {@code data:}).
 */
final class StatusPage {

    private static final String RESOURCE = "status-ui.html";
    private static final StatusPage PAGE = load();

    private final byte[] html;
    private final String contentSecurityPolicy;

    private StatusPage(byte[] html, String contentSecurityPolicy) {
        this.html = html;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /** The page; read from the class path when this class is first used (building {@link StatusRoutes}), never on a request. */
    static StatusPage get() {
        return PAGE;
    }

    byte[] html() {
        return html.clone();
    }

    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }

    private static StatusPage load() {
        byte[] html;
        try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the status page " + RESOURCE + " is missing from the class path");
            }
            html = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status page " + RESOURCE, e);
        }
        String text = new String(html, StandardCharsets.UTF_8);
        String policy = "default-src 'none'; script-src '" + hashOf(text, "script") + "'; style-src '" + hashOf(text, "style")
                + "'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return new StatusPage(html, policy);
    }

    /** {@code sha256-<base64>} of the content of the page's one {@code <tag>} element, as CSP hashes it. */
    private static String hashOf(String page, String tag) {
        String open = "<" + tag + ">";
        int start = page.indexOf(open);
        int end = page.indexOf("</" + tag + ">");
        if (start < 0 || end < start || page.indexOf(open, start + 1) >= 0) {
            throw new IllegalStateException("the status page must have exactly one <" + tag + "> element");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(page.substring(start + open.length(), end).getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
