package dev.floe.crds;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.Topic;
import io.fabric8.crdv2.generator.CRDGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRD YAML under {@code crds/} is generated from the Java model and committed. This test regenerates it and fails
 * when the committed files differ, so nobody edits the YAML by hand or forgets to commit a model change.
 * {@code ./mvnw -pl crds test -Dfloe.crds.update=true} rewrites the committed files.
 */
class CrdDriftTest {
    static final String[] FILES = {"clusters.floe.dev-v1.yml", "topics.floe.dev-v1.yml"};

    @Test
    void committedCrdsMatchTheJavaModel(@TempDir Path generated) throws IOException {
        new CRDGenerator()
                .customResourceClasses(Cluster.class, Topic.class)
                .forCRDVersions("v1")
                .inOutputDir(generated.toFile())
                .generate();
        Path committed = Path.of(System.getProperty("floe.crds.dir", ".")).resolve("generated");
        boolean update = Boolean.getBoolean("floe.crds.update");
        for (String file : FILES) {
            String fresh = Files.readString(generated.resolve(file));
            Path target = committed.resolve(file);
            if (update) {
                Files.createDirectories(committed);
                Files.writeString(target, fresh);
            }
            assertThat(target).as("committed CRD %s (regenerate with -Dfloe.crds.update=true)", file).exists();
            assertThat(Files.readString(target))
                    .as("%s drifted from the Java model; run ./mvnw -pl crds test -Dfloe.crds.update=true and commit",
                            file)
                    .isEqualTo(fresh);
        }
    }
}
