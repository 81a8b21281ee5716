package io.tokenflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's set-up snippets are the ones the build runs: the Maven coordinates under "Add it to
 * your build" are, line for line, the dependencies of the two applications in {@code examples/src/it}
 * (which maven-invoker-plugin builds against this build's artifacts and runs), with the versions of
 * this build; and the "Use" snippet is the source of the WebClient application.
 */
class ReadmeCoordinatesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path IT = ROOT.resolve("examples/src/it");
    private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern README_REGION = Pattern.compile("<!-- readme:begin -->\\n(.*?)\\s*<!-- readme:end -->", Pattern.DOTALL);
    private static final Pattern PLACEHOLDER = Pattern.compile("@([\\w.-]+)@");

    @Test
    void theWebClientCoordinatesAreTheDependenciesOfTheWebClientApp() throws IOException {
        assertThat(lines(readmeBlocks().get(0))).isEqualTo(lines(appDependencies("readme-webclient")));
    }

    @Test
    void theReactorNettyCoordinatesAreTheDependenciesOfTheAppWithoutSpring() throws IOException {
        assertThat(lines(readmeBlocks().get(1))).isEqualTo(lines(appDependencies("readme-reactor-netty")));
        assertThat(readmeBlocks().get(1)).doesNotContain("springframework");
    }

    @Test
    void theTestSupportCoordinatesAreWhatBothAppsTestWith() throws IOException {
        String testSupport = String.join("\n", lines(readmeBlocks().get(2)));
        for (String app : List.of("readme-webclient", "readme-reactor-netty")) {
            assertThat(String.join("\n", lines(resolved(Files.readString(IT.resolve(app).resolve("pom.xml"))))))
                    .as("tokenflow-test in %s", app).contains(testSupport);
        }
    }

    @Test
    void theReadmeNamesTheVersionThisBuildMakes() throws IOException {
        String version = parentVersion();
        String readme = Files.readString(ROOT.resolve("README.md"));

        assertThat(readmeBlocks()).allSatisfy(block -> assertThat(block).contains("<version>" + version + "</version>"));
        assertThat(readme).contains("version `" + version + "`");
    }

    @Test
    void theUseSnippetIsTheSourceOfTheWebClientApp() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher use = Pattern.compile("## Use\\n\\n```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(use.find()).as("a Java block right under '## Use'").isTrue();
        String source = Files.readString(IT.resolve("readme-webclient/src/main/java/app/Orders.java"));
        Matcher region = Pattern.compile("// tag::use\\[]\\n(.*?)// end::use\\[]", Pattern.DOTALL).matcher(source);
        assertThat(region.find()).isTrue();

        assertThat(DocsSnippetsTest.normalize(use.group(1))).isEqualTo(DocsSnippetsTest.normalize(region.group(1)));
    }

    /**
     * The README's command for the Boot variant picks its main class with {@code -Dexec.mainClass}:
     * that class exists, and the examples' exec configuration takes the property (a fixed
     * {@code <mainClass>} would run the plain demo instead).
     */
    @Test
    void theBootDemoCommandRunsTheClassItNames() throws Exception {
        Matcher command = Pattern.compile("exec:java -DskipTests -Dexec\\.mainClass=(\\S+)")
                .matcher(Files.readString(ROOT.resolve("README.md")));
        assertThat(command.find()).as("the Boot demo's command in the README").isTrue();
        assertThat(Class.forName(command.group(1))).isNotNull();
        assertThat(Files.readString(ROOT.resolve("examples/pom.xml"))).contains("<mainClass>${exec.mainClass}</mainClass>",
                "<exec.mainClass>io.tokenflow.examples.demo.Demo</exec.mainClass>");
    }

    /** The XML blocks of the README's "Add it to your build", in order. */
    private static List<String> readmeBlocks() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Add it to your build");
        assertThat(start).as("'## Add it to your build' in README.md").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        Matcher m = XML_BLOCK.matcher(readme.substring(start, end < 0 ? readme.length() : end));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).as("XML blocks: WebClient, Reactor Netty only, tests").hasSize(3);
        return blocks;
    }

    /** The dependencies between the app's readme markers, with this build's values for its placeholders. */
    private static String appDependencies(String app) throws IOException {
        Matcher m = README_REGION.matcher(Files.readString(IT.resolve(app).resolve("pom.xml")));
        assertThat(m.find()).as("readme markers in %s/pom.xml", app).isTrue();
        return resolved(m.group(1));
    }

    /** {@code @name@} replaced as maven-invoker-plugin filters it: the project version, or a property of the parent POM. */
    private static String resolved(String text) throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.equals("project.version")) {
                value = parentVersion();
            } else {
                Matcher property = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">").matcher(parent);
                assertThat(property.find()).as("property %s in the parent POM", name).isTrue();
                value = property.group(1);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    private static String parentVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>tokenflow-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** Non-blank lines, trimmed: the same XML whatever its indentation. */
    private static List<String> lines(String xml) {
        return xml.lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
    }
}
