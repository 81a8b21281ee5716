package io.tokenflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md resolves: the file exists, and an anchor
 * ({@code file.md#heading}, or {@code #heading} in the same file) is the GitHub anchor of one of
 * that file's headings. Links in code blocks and inline code are not links; absolute URLs are not
 * checked (no network in tests).
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code [text](target)} or {@code [text](target "title")}; an image too. */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern FENCE = Pattern.compile("^\\s*```");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");

    @Test
    void everyRelativeLinkAndAnchorInTheDocsResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path document : documents()) {
            for (String target : links(document)) {
                if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                    continue;
                }
                checked++;
                String problem = problem(document, target);
                if (problem != null) {
                    broken.add(ROOT.relativize(document) + ": (" + target + ") " + problem);
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(10);
    }

    @Test
    void anchorsAreGitHubs() {
        assertThat(anchors(List.of("## Refresh jobs (single flight)", "### `dispose()`", "## tokenflow-test",
                "### `FilterBenchmark`: the WebClient filter on the cached path", "## Before and after the split into rooms (issue 11)",
                "## Statuses", "## Statuses", "## Compared with Spring Security's reactive OAuth2 client")))
                .containsExactly("refresh-jobs-single-flight", "dispose", "tokenflow-test",
                        "filterbenchmark-the-webclient-filter-on-the-cached-path", "before-and-after-the-split-into-rooms-issue-11",
                        "statuses", "statuses-1", "compared-with-spring-securitys-reactive-oauth2-client");
    }

    @Test
    void aMissingAnchorIsFound() throws IOException {
        Path operations = ROOT.resolve("docs/operations.md");

        assertThat(problem(operations, "configuration.md#filecredentialstore-per-design")).contains("no heading");
        assertThat(problem(operations, "configuration.md#filecredentialstore")).isNull();
        assertThat(problem(operations, "nowhere.md")).contains("no such file");
    }

    /** Why {@code target}, linked from {@code document}, does not resolve; {@code null} when it does. */
    private static String problem(Path document, String target) throws IOException {
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path file = path.isEmpty() ? document : document.getParent().resolve(path).normalize();
        if (!Files.exists(file)) {
            return "no such file " + ROOT.relativize(file);
        }
        if (anchor == null || anchor.isEmpty()) {
            return null;
        }
        if (!file.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        Set<String> anchors = anchors(headings(file));
        return anchors.contains(anchor) ? null : "no heading with the anchor '" + anchor + "' in " + ROOT.relativize(file);
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** The link targets outside code blocks and inline code. */
    private static List<String> links(Path document) throws IOException {
        List<String> targets = new ArrayList<>();
        for (String line : linesOutsideCodeBlocks(document)) {
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                targets.add(m.group(1));
            }
        }
        return targets;
    }

    private static List<String> headings(Path file) throws IOException {
        return linesOutsideCodeBlocks(file).stream().filter(line -> HEADING.matcher(line).matches()).toList();
    }

    private static List<String> linesOutsideCodeBlocks(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean inCode = false;
        for (String line : Files.readAllLines(file)) {
            if (FENCE.matcher(line).find()) {
                inCode = !inCode;
            } else if (!inCode) {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * GitHub's anchors: the heading's text, lower case, without what is neither a letter, a digit,
     * a space, a hyphen nor an underscore, spaces made hyphens; a repeated anchor gets {@code -1},
     * {@code -2}, ...
     */
    static Set<String> anchors(List<String> headings) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String heading : headings) {
            Matcher m = HEADING.matcher(heading);
            if (!m.matches()) {
                continue;
            }
            String slug = m.group(2).toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{Nd}\\s_-]", "")
                    .replace(' ', '-');
            int count = seen.merge(slug, 1, Integer::sum);
            anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
        }
        return anchors;
    }
}
