package io.tokenflow.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A blocking RESP2 connection to a {@link LocalRedisServer}, for a test's own commands
 * ({@code CLIENT PAUSE}, {@code HGETALL}, {@code MONITOR}): bulk strings in, replies as
 * {@code String}, {@code Long}, {@code List} or {@code null}; an error reply becomes an
 * {@link IllegalStateException} with the server's message. Test threads only.
 */
final class RespConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespConnection(int port, Duration readTimeout) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(Loopback.HOST, port), 2_000);
            socket.setSoTimeout((int) readTimeout.toMillis());
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to redis on " + Loopback.HOST + ":" + port, e);
        }
    }

    /** Sends one command and reads its reply. */
    @Nullable Object call(String... command) {
        send(command);
        return read();
    }

    void send(String... command) {
        StringBuilder request = new StringBuilder("*").append(command.length).append("\r\n");
        for (String part : command) {
            request.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
        }
        try {
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("redis connection closed while sending " + command[0], e);
        }
    }

    /** The next reply. */
    @Nullable Object read() {
        try {
            String line = line();
            char kind = line.charAt(0);
            String rest = line.substring(1);
            return switch (kind) {
                case '+' -> rest;
                case '-' -> throw new IllegalStateException("redis answered " + rest);
                case ':' -> Long.parseLong(rest);
                case '$' -> bulk(Integer.parseInt(rest));
                case '*' -> array(Integer.parseInt(rest));
                default -> throw new IllegalStateException("not a RESP reply: " + line);
            };
        } catch (IOException e) {
            throw new UncheckedIOException("redis connection closed while reading", e);
        }
    }

    private @Nullable String bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] data = in.readNBytes(length + 2);
        return new String(data, 0, length, StandardCharsets.UTF_8);
    }

    private @Nullable List<@Nullable Object> array(int length) {
        if (length < 0) {
            return null;
        }
        List<@Nullable Object> items = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            items.add(read());
        }
        return items;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\r') {
                in.read();
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        throw new IOException("end of stream");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
