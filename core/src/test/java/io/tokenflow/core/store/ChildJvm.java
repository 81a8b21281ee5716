package io.tokenflow.core.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM running a test main class ({@link StoreChild}) on this JVM's class path, talking
 * a line protocol: the test writes commands to its stdin, the child answers with lines starting
 * {@code @@ }; other output (logs) is kept for failure messages. Every wait is bounded.
 */
final class ChildJvm implements AutoCloseable {

    static final String PROTOCOL = "@@ ";

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final List<String> output = new ArrayList<>();
    private final String name;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readOutput, "child-output-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java -cp <this class path> StoreChild <args>}; the child does not install BlockHound. */
    static ChildJvm start(String name, String... args) {
        return start(name, List.of(), args);
    }

    /** As {@link #start}, without logging: starts ~150 ms sooner (no logback configuration). */
    static ChildJvm startQuiet(String name, String... args) {
        return start(name, List.of("-Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider"), args);
    }

    private static ChildJvm start(String name, List<String> options, String... args) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // Short-lived helpers: start fast, stay small.
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx128m"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StoreChild.class.getName()));
        command.addAll(List.of(args));
        try {
            return new ChildJvm(name, new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child JVM " + name, e);
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith(PROTOCOL)) {
                    answers.add(line.substring(PROTOCOL.length()));
                }
                synchronized (output) {
                    output.add(line);
                }
            }
        } catch (IOException closed) {
            // The child is gone.
        }
    }

    /** Sends one command line. */
    void send(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("child " + name + " does not take commands:\n" + output(), e);
        }
    }

    /** The next answer, which must start with {@code word}; returns the rest of it. */
    String expect(String word, Duration within) {
        String answer;
        try {
            answer = answers.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (answer == null) {
            throw new AssertionError("child " + name + " did not answer '" + word + "' within " + within
                    + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; its output:\n" + output());
        }
        if (!(answer.equals(word) || answer.startsWith(word + " "))) {
            throw new AssertionError("child " + name + " answered '" + answer + "', expected '" + word + "'; its output:\n" + output());
        }
        return answer.substring(word.length()).trim();
    }

    /** Waits up to {@code within} for the child to exit by itself; true if it did. */
    boolean exitsWithin(Duration within) {
        try {
            return process.waitFor(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGKILL (on POSIX), and wait until the process is gone. */
    void kill() {
        process.destroyForcibly();
        if (!exitsWithin(Duration.ofSeconds(10))) {
            throw new AssertionError("child " + name + " survived SIGKILL for 10 s");
        }
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
