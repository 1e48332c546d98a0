package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.operator.Golden;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The exact objects a Cluster turns into, pinned by golden files, plus the properties that matter most. */
class DesiredClusterResourcesTest {
    static final String IMAGE = "floe/broker:0.1.0";

    static Cluster sample(String name) throws IOException {
        try (InputStream in = DesiredClusterResourcesTest.class.getResourceAsStream("/samples/" + name + ".yaml")) {
            return Serialization.unmarshal(in, Cluster.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"minimal", "tiered"})
    void desiredObjectsMatchGoldenFiles(String sample) throws IOException {
        List<HasMetadata> desired = DesiredClusterResources.of(sample(sample), IMAGE);
        assertThat(desired).extracting(HasMetadata::getKind).containsExactly("ServiceAccount", "Role", "RoleBinding",
                "ConfigMap", "Service", "Service", "PodDisruptionBudget", "StatefulSet");
        for (HasMetadata object : desired) {
            Golden.assertMatches(sample + "/" + object.getKind().toLowerCase() + "-" + object.getMetadata().getName()
                    + ".yaml", Serialization.asYaml(object));
        }
    }

    @Test
    void configChangeRollsTheBrokers() throws IOException {
        Cluster cluster = sample("tiered");
        StatefulSet before = (StatefulSet) DesiredClusterResources.of(cluster, IMAGE).get(7);
        cluster.getSpec().getConfig().put("defaults.num-partitions", "12");
        StatefulSet after = (StatefulSet) DesiredClusterResources.of(cluster, IMAGE).get(7);
        String hashBefore = before.getSpec().getTemplate().getMetadata().getAnnotations().get(BrokerStatefulSet.CONFIG_HASH);
        String hashAfter = after.getSpec().getTemplate().getMetadata().getAnnotations().get(BrokerStatefulSet.CONFIG_HASH);
        assertThat(hashAfter).isNotEqualTo(hashBefore);
        assertThat(DesiredClusterResources.of(sample("tiered"), IMAGE).get(7)).isEqualTo(before);
    }

    @Test
    void tieredClusterWiresTheBucketAndCredentialsFromTheSecret() throws IOException {
        StatefulSet sts = (StatefulSet) DesiredClusterResources.of(sample("tiered"), IMAGE).get(7);
        var env = sts.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("FLOE_TIER_S3_BUCKET");
            assertThat(e.getValue()).isEqualTo("floe-events");
        });
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("AWS_SECRET_ACCESS_KEY");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("floe-s3");
        });
        assertThat(sts.getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName()).isEqualTo("fast-ssd");
    }
}
