package dev.floe.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares output with a committed file. {@code -Dgolden.update=true} rewrites the files instead, for a deliberate
 * change whose diff is then reviewed like code.
 */
public final class Golden {
    private Golden() {
    }

    public static void assertMatches(String relativePath, String actual) throws IOException {
        Path file = Path.of(System.getProperty("golden.dir", "src/test/resources/golden")).resolve(relativePath);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual);
        }
        assertThat(file).as("golden file %s (create it with -Dgolden.update=true)", relativePath).exists();
        assertThat(actual).as("%s differs from the golden file; if the change is intended, rerun with "
                + "-Dgolden.update=true and review the diff", relativePath).isEqualTo(Files.readString(file));
    }
}
