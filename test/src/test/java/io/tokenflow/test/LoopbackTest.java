package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;

class LoopbackTest {

    @Test
    void urlsAreOnTheLoopbackLiteral() {
        assertThat(Loopback.url(8080, "/oauth2/token?x=1")).isEqualTo(URI.create("http://127.0.0.1:8080/oauth2/token?x=1"));
        assertThat(Loopback.url(8080, "")).isEqualTo(URI.create("http://127.0.0.1:8080"));
    }

    @Test
    void malformedUrlPartsAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> Loopback.url(0, "/"));
        assertThatIllegalArgumentException().isThrownBy(() -> Loopback.url(65536, "/"));
        assertThatIllegalArgumentException().isThrownBy(() -> Loopback.url(80, "token"));
    }

    @Test
    void theHttpServerBindsToLoopbackOnAPortTheOsChooses() {
        DisposableServer server = Loopback.httpServer().handle((request, response) -> response.send()).bindNow();
        try {
            InetSocketAddress address = (InetSocketAddress) server.address();

            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            assertThat(server.port()).isPositive();
            assertThat(Loopback.url(server, "/x")).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/x"));
        } finally {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }

    @Test
    void aFreePortCanBeBound() throws IOException {
        int port = Loopback.freePort();

        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(Loopback.HOST))) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }
}
