package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterSpec;
import dev.floe.crds.cluster.ObjectStorageSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The brokers as a StatefulSet: ordinals are broker ids, each pod keeps its PVC for the hot log, and the default
 * rolling update replaces one broker at a time, waiting for readiness before the next.
 */
public final class BrokerStatefulSet {
    public static final String CONTAINER = "broker";
    public static final String DATA_VOLUME = "data";
    public static final String CONFIG_VOLUME = "config";
    public static final String DATA_PATH = "/var/lib/floe";
    public static final String CONFIG_HASH = "floe.dev/config-hash";

    private BrokerStatefulSet() {
    }

    public static StatefulSet desired(Cluster cluster, String configHash, String defaultImage) {
        ClusterNames names = ClusterNames.of(cluster);
        ClusterSpec spec = cluster.getSpec();
        Map<String, String> podLabels = new LinkedHashMap<>(names.labels());
        podLabels.putAll(names.brokerSelector());
        Map<String, String> podAnnotations = new LinkedHashMap<>();
        podAnnotations.put(CONFIG_HASH, configHash);
        podAnnotations.put("prometheus.io/scrape", "true");
        podAnnotations.put("prometheus.io/port", String.valueOf(spec.getListeners().getHttp()));
        podAnnotations.put("prometheus.io/path", "/q/metrics");

        return new StatefulSetBuilder()
                .withNewMetadata()
                .withName(names.statefulSet())
                .withNamespace(names.namespace())
                .withLabels(names.labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(spec.getReplicas())
                .withServiceName(names.headlessService())
                // Brokers do not need each other to start; ordered start would only slow scaling and recovery.
                .withPodManagementPolicy("Parallel")
                .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
                .withNewSelector().withMatchLabels(names.brokerSelector()).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
                .withNewSpec()
                .withServiceAccountName(names.serviceAccount())
                // Long enough for a clean close: indexes flushed and the clean-shutdown marker written.
                .withTerminationGracePeriodSeconds(60L)
                .withNewSecurityContext().withRunAsNonRoot(true).withFsGroup(185L).endSecurityContext()
                .withContainers(container(cluster, names, defaultImage))
                .addNewVolume().withName(CONFIG_VOLUME)
                .withNewConfigMap().withName(names.configMap()).endConfigMap().endVolume()
                .endSpec()
                .endTemplate()
                .withVolumeClaimTemplates(dataClaim(spec))
                .endSpec()
                .build();
    }

    private static Container container(Cluster cluster, ClusterNames names, String defaultImage) {
        ClusterSpec spec = cluster.getSpec();
        int kafka = spec.getListeners().getKafka();
        int http = spec.getListeners().getHttp();
        ContainerBuilder c = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(spec.getImage() == null || spec.getImage().isBlank() ? defaultImage : spec.getImage())
                .addNewPort().withName("kafka").withContainerPort(kafka).endPort()
                .addNewPort().withName("http").withContainerPort(http).endPort()
                .withEnv(env(cluster, names))
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_PATH).endVolumeMount()
                .addNewVolumeMount().withName(CONFIG_VOLUME).withMountPath(BrokerConfigMap.MOUNT_PATH)
                .withReadOnly(true).endVolumeMount()
                .withNewReadinessProbe().withNewHttpGet().withPath("/q/health/ready").withPort(new IntOrString("http"))
                .endHttpGet().withPeriodSeconds(5).withFailureThreshold(3).endReadinessProbe()
                .withNewLivenessProbe().withNewHttpGet().withPath("/q/health/live").withPort(new IntOrString("http"))
                .endHttpGet().withInitialDelaySeconds(30).withPeriodSeconds(10).withFailureThreshold(6).endLivenessProbe()
                .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext();
        if (spec.getResources() != null) {
            c.withResources(spec.getResources());
        }
        return c.build();
    }

    /** The broker's identity and wiring; everything else comes from the ConfigMap. */
    static List<EnvVar> env(Cluster cluster, ClusterNames names) {
        ClusterSpec spec = cluster.getSpec();
        List<EnvVar> env = new ArrayList<>();
        env.add(fieldRef("FLOE_POD_NAME", "metadata.name"));
        env.add(fieldRef("FLOE_CLUSTER_NAMESPACE", "metadata.namespace"));
        env.add(value("FLOE_CLUSTER_MODE", "kubernetes"));
        env.add(value("FLOE_CLUSTER_NAME", names.cluster()));
        env.add(value("FLOE_ADVERTISED_HOST",
                "$(FLOE_POD_NAME)." + names.headlessService() + ".$(FLOE_CLUSTER_NAMESPACE).svc"));
        env.add(value("FLOE_KAFKA_PORT", String.valueOf(spec.getListeners().getKafka())));
        env.add(value("FLOE_HTTP_PORT", String.valueOf(spec.getListeners().getHttp())));
        env.add(value("FLOE_DATA_DIR", DATA_PATH + "/data"));
        env.add(value("QUARKUS_CONFIG_LOCATIONS", BrokerConfigMap.MOUNT_PATH + "/" + BrokerConfigMap.FILE));
        ObjectStorageSpec os = spec.getObjectStorage();
        if (os != null) {
            env.add(value("FLOE_TIER_BACKEND", "s3"));
            env.add(value("FLOE_TIER_CLUSTER", names.namespace() + "-" + names.cluster()));
            env.add(value("FLOE_TIER_S3_BUCKET", os.getBucket()));
            if (os.getEndpoint() != null) {
                env.add(value("FLOE_TIER_S3_ENDPOINT", os.getEndpoint()));
            }
            env.add(value("FLOE_TIER_S3_REGION", os.getRegion()));
            env.add(value("FLOE_TIER_S3_PATH_STYLE", String.valueOf(os.isPathStyle())));
            if (os.getCredentialsSecret() != null) {
                env.add(secretRef("AWS_ACCESS_KEY_ID", os.getCredentialsSecret()));
                env.add(secretRef("AWS_SECRET_ACCESS_KEY", os.getCredentialsSecret()));
            }
        }
        return env;
    }

    private static PersistentVolumeClaim dataClaim(ClusterSpec spec) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(DATA_VOLUME).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(spec.getStorage().getStorageClassName())
                .withNewResources().addToRequests("storage", new Quantity(spec.getStorage().getSize())).endResources()
                .endSpec()
                .build();
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar fieldRef(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef()
                .withApiVersion("v1").withFieldPath(path).endFieldRef().endValueFrom().build();
    }

    private static EnvVar secretRef(String name, String secret) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(name).endSecretKeyRef().endValueFrom().build();
    }
}
