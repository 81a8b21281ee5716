package io.tokenflow.test;

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
 * A separate JVM running a main class of this JVM's class path, for tests of several processes
 * sharing one credential: the test writes command lines to its stdin, the child answers with lines
 * starting {@value #PROTOCOL} ({@link #answer(String)}); other output (logs) is kept for failure
 * messages. Every wait is bounded. The child does not install BlockHound.
 *
 * <p>Test-thread only: {@link #start}, {@link #kill()}, {@link #pause()} and {@link #resume()}
 * start processes and wait for them.
 */
public final class ChildJvm implements AutoCloseable {

    /** What starts an answer line of a child. */
    public static final String PROTOCOL = "@@ ";
    private static final Duration SIGNAL_WAIT = Duration.ofSeconds(10);

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

    /**
     * Starts {@code java <options> -cp <this class path> <main> <args>}, small and quick to start
     * (C1 only, serial GC, 128 MiB heap).
     *
     * @param name names the child in failure messages
     * @param options extra JVM options, e.g. {@code -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider}
     *     to start ~150 ms sooner without logging
     */
    public static ChildJvm start(Class<?> main, String name, List<String> options, String... args) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx128m"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        try {
            return new ChildJvm(name, new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child JVM " + name, e);
        }
    }

    /** For the child: writes one answer line ({@value #PROTOCOL} and {@code line}) to stdout and flushes. */
    public static void answer(String line) {
        synchronized (System.out) {
            System.out.println(PROTOCOL + line);
            System.out.flush();
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
    public void send(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("child " + name + " does not take commands:\n" + output(), e);
        }
    }

    /**
     * The next answer, which must be {@code word} or start with {@code word} and a space; returns
     * the rest of it.
     *
     * @throws AssertionError when none comes within {@code within} or it is another one (with the child's output)
     */
    public String expect(String word, Duration within) {
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
    public boolean exitsWithin(Duration within) {
        try {
            return process.waitFor(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL (on POSIX), and wait until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        if (!exitsWithin(SIGNAL_WAIT)) {
            throw new AssertionError("child " + name + " survived SIGKILL for " + SIGNAL_WAIT);
        }
    }

    /** SIGSTOP: the whole process stands still (threads, timers, sockets unread) until {@link #resume()}. POSIX only. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + process.pid() + " failed for child " + name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Everything the child printed so far. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Kills the child if it is still running (SIGKILL ends a paused one too). */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid " + process.pid() + "]";
    }
}
