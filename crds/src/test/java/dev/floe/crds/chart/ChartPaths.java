package dev.floe.crds.chart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the chart and the generated CRDs are. Surefire passes the module directory as {@code floe.crds.dir}; without
 * it (a test started from an IDE) the working directory may be the module or the repository root, so both are tried.
 */
final class ChartPaths {
    private ChartPaths() {
    }

    static Path crdsModule() {
        String configured = System.getProperty("floe.crds.dir");
        List<Path> candidates = configured != null
                ? List.of(Path.of(configured))
                : List.of(Path.of("."), Path.of("crds"));
        for (Path candidate : candidates) {
            Path module = candidate.toAbsolutePath().normalize();
            if (Files.isDirectory(module.resolve("generated")) && Files.isDirectory(module.resolve("../charts/floe"))) {
                return module;
            }
        }
        throw new IllegalStateException("cannot find the crds module (with generated/ and ../charts/floe) from "
                + candidates + "; run the tests with Maven or set -Dfloe.crds.dir");
    }

    static Path generatedCrds() {
        return crdsModule().resolve("generated");
    }

    static Path chart() {
        return crdsModule().resolve("../charts/floe").normalize();
    }
}
