package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM saves generation after generation as fast as it can and is killed with SIGKILL at a
 * random moment, again and again. Every generation is ~20 KB whose every field names the
 * generation, so a torn or mixed file could not pass for a good one.
 */
class CrashSafetyTest {

    private static final Logger log = LoggerFactory.getLogger(CrashSafetyTest.class);

    private static final int KILLS = 50;
    private static final Duration START = Duration.ofSeconds(40);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void aWriterKilledAtRandomMomentsAlwaysLeavesTheOldOrTheNewCredential() throws IOException {
        Path file = dir.resolve("token.json");
        CredentialFile names = new CredentialFile(file);
        FileCredentialStore.at(file).save(StoreChild.generation(0)).block(WAIT);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int generation = 0;
        int strayTempFiles = 0;
        int killsAfterProgress = 0;
        long started = System.nanoTime();

        for (int kill = 1; kill <= KILLS; kill++) {
            try (ChildJvm writer = ChildJvm.startQuiet("writer-" + kill, "save-loop", file.toString())) {
                int first = Integer.parseInt(writer.expect("saving", START));
                assertThat(first).as("the writer goes on from the generation in the file").isEqualTo(generation + 1);
                Duration delay = Duration.ofMillis(random.nextInt(60));
                assertThat(writer.exitsWithin(delay)).as("the writer is still writing when killed").isFalse();
                writer.kill();
            }

            Credential found = FileCredentialStore.at(file).load().block(WAIT);
            int foundGeneration = ((Number) found.extensions().get("x_generation")).intValue();
            assertThat(found).as("kill %d (seed %d): a whole generation, never a torn or mixed one", kill, seed)
                    .isEqualTo(StoreChild.generation(foundGeneration));
            assertThat(foundGeneration).as("kill %d (seed %d): the old or a newer generation", kill, seed)
                    .isGreaterThanOrEqualTo(generation);
            List<Path> others = otherFiles(file);
            assertThat(others).as("only temp files besides the credential and its lock").allMatch(names::isTempFile);
            strayTempFiles += others.size();
            killsAfterProgress += foundGeneration > generation ? 1 : 0;
            generation = foundGeneration;
        }
        FileCredentialStore.at(file).save(StoreChild.generation(generation + 1)).block(WAIT);

        assertThat(otherFiles(file)).as("the next write removes temp files of killed writers").isEmpty();
        log.info("{} kills (seed {}): {} generations written, {} kills after progress, {} stray temp files found "
                        + "(killed between creating the temp file and the rename), {} ms", KILLS, seed, generation,
                killsAfterProgress, strayTempFiles, Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /** Files next to the credential other than it and its lock file. */
    private List<Path> otherFiles(Path file) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> !p.equals(file) && !p.getFileName().toString().equals("token.json.lock")).toList();
        }
    }
}
