package io.tokenflow.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Boot variant of the demo runs its scenario from application.yml alone and exits 0. */
class BootDemoTest {

    @Test
    void theBootDemoGetsItsOrdersWithTheTokenAndNoneForAHostNotListed() {
        assertThat(BootDemo.run("--server.port=0", "--spring.main.banner-mode=off")).isZero();
    }
}
