package dev.floe.crds.chart;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Helm installs whatever sits in the chart's crds/ directory, so it must be exactly what the Java model generates
 * (CrdDriftTest keeps crds/generated/ equal to the model). Compared as bytes: a reformatted copy would still pass a
 * YAML comparison but would make the next regenerated diff noisy.
 */
class ChartCrdsTest {
    static final String FIX = "copy them: cp crds/generated/*.yml charts/floe/crds/";

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    void chartCrdsAreByteIdenticalToTheGeneratedOnes() throws IOException {
        Path generated = ChartPaths.generatedCrds();
        Path chartCrds = ChartPaths.chart().resolve("crds");
        assertThat(chartCrds).as("charts/floe/crds/ is missing; " + FIX).isDirectory();

        List<String> expected = names(generated);
        assertThat(expected).as("generated CRDs").isNotEmpty();
        assertThat(names(chartCrds)).as("files in charts/floe/crds/ (the chart must ship every generated CRD and "
                + "nothing else); " + FIX + " and delete the others").isEqualTo(expected);
        for (String name : expected) {
            assertThat(Files.readAllBytes(chartCrds.resolve(name)))
                    .as("charts/floe/crds/%s differs from crds/generated/%s; %s", name, name, FIX)
                    .isEqualTo(Files.readAllBytes(generated.resolve(name)));
        }
    }
}
