package io.tokenflow.test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} for tests: its own process on a free port of {@code 127.0.0.1},
 * with a temporary {@code --dir}, {@code DEBUG} enabled for local connections, and no
 * persistence unless {@link #startWithAppendOnlyFile() asked for}. One per test class keeps
 * a 2-core machine free.
 *
 * <p>The binary: {@code $TOKENFLOW_REDIS_SERVER}, else {@code redis-server} on {@code PATH}
 * (Debian: {@code apt-get install redis-server}), else the static binary of
 * {@code org.signal:embedded-redis} when that jar is on the test class path. Without any, the
 * test is aborted (reported as skipped) with how to install one, except when the environment
 * variable {@code CI} is {@code true}: there it fails, so that a green CI cannot hide a missing
 * install step.
 *
 * <p>Test threads only: starting, stopping and {@link #command commands} block.
 */
public final class LocalRedisServer implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(10);
    private static final Duration COMMAND_WAIT = Duration.ofSeconds(10);
    private static final String EMBEDDED_PROVIDER = "redis.embedded.RedisExecProvider";

    private final String binary;
    private final Path dir;
    private final int port;
    private final boolean appendOnly;
    private final List<String> log = new ArrayList<>();
    private volatile Process process;

    private LocalRedisServer(String binary, Path dir, int port, boolean appendOnly) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.appendOnly = appendOnly;
        this.process = launch();
    }

    /** A server without persistence ({@code --save "" --appendonly no}): a restart loses everything. */
    public static LocalRedisServer start() {
        return start(false);
    }

    /** A server with an append-only file fsynced on every write ({@code --appendonly yes --appendfsync always}). */
    public static LocalRedisServer startWithAppendOnlyFile() {
        return start(true);
    }

    private static LocalRedisServer start(boolean appendOnly) {
        String binary = binary();
        Path dir;
        try {
            dir = Files.createTempDirectory("tokenflow-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for redis-server", e);
        }
        return new LocalRedisServer(binary, dir, Loopback.freePort(), appendOnly);
    }

    /** Where the binary comes from; see the class description. */
    static String binary() {
        String configured = System.getenv("TOKENFLOW_REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            if (!Files.isExecutable(Path.of(configured))) {
                throw new IllegalStateException("TOKENFLOW_REDIS_SERVER=" + configured + " is not an executable file");
            }
            return configured;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String folder : path.split(File.pathSeparator)) {
            Path candidate = Path.of(folder.isEmpty() ? "." : folder, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String embedded = embeddedBinary();
        if (embedded != null) {
            return embedded;
        }
        String how = "redis-server not found: set TOKENFLOW_REDIS_SERVER, put redis-server on PATH "
                + "(apt-get install redis-server), or add org.signal:embedded-redis to the test class path";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(how + " (CI=true: not skipped)");
        }
        Assumptions.abort(how);
        throw new AssertionError("unreachable");
    }

    /** The binary of org.signal:embedded-redis, unpacked by its own provider; null without that jar. */
    private static @Nullable String embeddedBinary() {
        try {
            Class<?> provider = Class.forName(EMBEDDED_PROVIDER);
            Object defaults = provider.getMethod("defaultProvider").invoke(null);
            File file = (File) provider.getMethod("get").invoke(defaults);
            return file.getAbsolutePath();
        } catch (ClassNotFoundException absent) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("org.signal:embedded-redis is on the class path but did not unpack its binary", e);
        }
    }

    private Process launch() {
        List<String> command = List.of(binary, "--bind", Loopback.HOST, "--port", Integer.toString(port),
                "--dir", dir.toString(), "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                "--enable-debug-command", "local", "--daemonize", "no", "--logfile", "");
        Process started;
        try {
            started = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        Thread reader = new Thread(() -> keepLog(started), "redis-server-log-" + port);
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline && started.isAlive()) {
            try (RespConnection connection = new RespConnection(port, COMMAND_WAIT)) {
                if ("PONG".equals(connection.call("PING"))) {
                    return started;
                }
            } catch (UncheckedIOException | IllegalStateException notYet) {
                // Loading, or not listening yet.
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        started.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within " + START_WAIT
                + "; its output:\n" + log());
    }

    private void keepLog(Process from) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (log) {
                    log.add(line);
                }
            }
        } catch (IOException closed) {
            // The server is gone.
        }
    }

    /** {@code redis://127.0.0.1:<port>}, for {@code RedisURI.create(..)}. */
    public String uri() {
        return "redis://" + Loopback.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The server process's id, e.g. to {@code kill -STOP} it. */
    public long pid() {
        return process.pid();
    }

    /** Whether the server process is alive (not after {@link #shutDown()} until {@link #restart()}). */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** The binary that runs. */
    public String binaryPath() {
        return binary;
    }

    /**
     * Runs one command on a fresh connection and returns the reply: {@code String}, {@code Long},
     * {@code List} or {@code null}.
     *
     * @throws IllegalStateException for an error reply (with the server's message)
     */
    public @Nullable Object command(String... command) {
        try (RespConnection connection = new RespConnection(port, COMMAND_WAIT)) {
            return connection.call(command);
        }
    }

    /** {@code HGETALL key} as a map (empty when the key does not exist). */
    public Map<String, String> hash(String key) {
        List<?> flat = (List<?>) command("HGETALL", key);
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (int i = 0; flat != null && i + 1 < flat.size(); i += 2) {
            fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return fields;
    }

    /** Opens a {@code MONITOR} connection that records every command the server runs from now on. */
    public Monitor monitor() {
        return new Monitor(port);
    }

    /**
     * {@code SHUTDOWN} (which fsyncs the append-only file when there is one), then the same server
     * again on the same port and folder: with an append-only file the data survives, without one
     * it is gone. Clients see their connections close and reconnect. After {@link #shutDown()}, only
     * starts it again.
     */
    public void restart() {
        if (process.isAlive()) {
            shutDown();
        }
        process = launch();
    }

    /** {@code SHUTDOWN}, waiting for the process to exit. {@link #restart()} or {@link #close()} afterwards. */
    public void shutDown() {
        try (RespConnection connection = new RespConnection(port, COMMAND_WAIT)) {
            connection.send("SHUTDOWN");
            connection.read();
        } catch (UncheckedIOException closedByShutdown) {
            // SHUTDOWN answers by closing the connection.
        }
        try {
            if (!process.waitFor(START_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not exit after SHUTDOWN");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** What the server printed. */
    public String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    /** Kills the server (SIGKILL) and deletes its folder. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (IOException ignored) {
            // A temporary folder left behind.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "LocalRedisServer[" + uri() + ", " + binary + (appendOnly ? ", appendonly" : "") + "]";
    }

    /** A {@code MONITOR} connection: every command the server runs, as the lines it reports, until closed. */
    public static final class Monitor implements AutoCloseable {
        private final RespConnection connection;
        private final List<String> lines = new ArrayList<>();

        private Monitor(int port) {
            connection = new RespConnection(port, Duration.ofDays(1));
            if (!"OK".equals(connection.call("MONITOR"))) {
                throw new IllegalStateException("MONITOR was refused");
            }
            Thread reader = new Thread(this::read, "redis-monitor-" + port);
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try {
                while (true) {
                    Object line = connection.read();
                    synchronized (lines) {
                        lines.add(String.valueOf(line));
                    }
                }
            } catch (RuntimeException closed) {
                // The connection or the server closed.
            }
        }

        /** The lines seen so far. */
        public List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
