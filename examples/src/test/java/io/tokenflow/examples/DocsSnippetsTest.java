package io.tokenflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java code block in README.md and docs/ is a tagged region ({@code // tag::name[]} ...
 * {@code // end::name[]}) of a source file in examples/ (src/main, or the applications of src/it),
 * which the build compiles: so the Java in the docs compiles.
 */
class DocsSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("^\\s*// tag::([\\w-]+)\\[]\\s*$");

    @Test
    void everyJavaBlockInTheDocsIsCompiledExampleCode() throws IOException {
        Set<String> compiled = taggedRegions(ROOT.resolve("examples/src/main/java"));
        // The applications the build makes from the README's coordinates (maven-invoker-plugin).
        compiled.addAll(taggedRegions(ROOT.resolve("examples/src/it")));
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(documents::add);
        }
        int blocks = 0;
        for (Path document : documents) {
            Matcher m = JAVA_BLOCK.matcher(Files.readString(document));
            while (m.find()) {
                blocks++;
                assertThat(compiled).as("a Java block in %s is not a tagged region of examples/:%n%s",
                        ROOT.relativize(document), m.group(1)).contains(normalize(m.group(1)));
            }
        }
        assertThat(blocks).as("Java blocks found in README.md and docs/").isPositive();
    }

    private static Set<String> taggedRegions(Path sources) throws IOException {
        Set<String> regions = new HashSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(file -> {
                try {
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher tag = TAG.matcher(lines.get(i));
                        if (tag.matches()) {
                            String end = "// end::" + tag.group(1) + "[]";
                            StringBuilder region = new StringBuilder();
                            for (int j = i + 1; j < lines.size() && !lines.get(j).trim().equals(end); j++) {
                                region.append(lines.get(j)).append('\n');
                            }
                            regions.add(normalize(region.toString()));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return regions;
    }

    /** Removes the common indentation and surrounding blank lines. */
    static String normalize(String block) {
        List<String> lines = new ArrayList<>(List.of(block.stripTrailing().split("\n", -1)));
        while (!lines.isEmpty() && lines.get(0).isBlank()) {
            lines.remove(0);
        }
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line.isBlank() ? "" : line.substring(indent).stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
