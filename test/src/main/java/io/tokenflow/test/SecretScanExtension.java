package io.tokenflow.test;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit Jupiter extension that runs a {@link SecretScan} over a test class or over each test:
 *
 * <pre>{@code
 * class MyClientTest {
 *     @RegisterExtension
 *     static final SecretScanExtension secrets = new SecretScanExtension();
 *
 *     @Test
 *     void noSecretIsLogged() {
 *         secrets.scan().basicCredentials("client-id", SECRET);
 *         // ...
 *     }
 * }
 * }</pre>
 *
 * <p>On a {@code static} field the scan is attached before the first test and checked after the
 * last one; on an instance field, around each test. The check fails (an {@link AssertionError}
 * listing the findings) if any log event or text handed to the scan held a registered secret, and
 * also if no log event was scanned at all: a scan that saw nothing proves nothing. It prints the
 * scan's {@linkplain SecretScan#summary() summary} (counts only, never a secret).
 *
 * <p>Thread-safe: tests of the class may run concurrently and share the scan.
 */
public final class SecretScanExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private volatile @Nullable SecretScan scan;
    private volatile boolean classLevel;

    /** An extension with no scan yet; JUnit attaches one before the class or before each test. */
    public SecretScanExtension() {
    }

    /**
     * The scan running now, to register secrets and texts with.
     *
     * @throws IllegalStateException outside the tests the extension runs around
     */
    public SecretScan scan() {
        SecretScan current = scan;
        if (current == null) {
            throw new IllegalStateException(
                    "no secret scan is attached: register the extension with @RegisterExtension");
        }
        return current;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        classLevel = true;
        scan = SecretScan.attach();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!classLevel) {
            scan = SecretScan.attach();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!classLevel) {
            check(context);
        }
    }

    private void check(ExtensionContext context) {
        SecretScan done = scan();
        scan = null;
        done.close();
        System.out.println(context.getDisplayName() + ": " + done.summary());
        if (done.logEvents() == 0) {
            throw new AssertionError("the secret scan saw no log event: it proves nothing (" + done.summary() + ")");
        }
        if (!done.findings().isEmpty()) {
            throw new AssertionError(
                    "secrets in logs, toString() or exceptions:\n" + String.join("\n", done.findings()));
        }
    }
}
