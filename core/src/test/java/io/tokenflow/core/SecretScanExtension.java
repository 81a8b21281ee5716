package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a {@link SecretScan} over a whole test class: attached before the first test, and after the
 * last one it fails the class if any log event or collected text held a secret. Tests register
 * their secrets and texts through {@link #scan()}.
 */
final class SecretScanExtension implements BeforeAllCallback, AfterAllCallback {

    private volatile SecretScan scan;

    SecretScan scan() {
        return scan;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        scan = SecretScan.attach();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        SecretScan done = scan;
        done.close();
        System.out.println(context.getDisplayName() + ": " + done.summary());
        assertThat(done.logEvents()).as("log events scanned").isPositive();
        assertThat(done.findings()).as("secrets in logs, toString() or exceptions").isEmpty();
    }
}
