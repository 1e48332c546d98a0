package dev.floe.e2e;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the kubelet for one StatefulSet pod: resolves the broker container's environment as Kubernetes would
 * (downward API fields, {@code $(VAR)} references, ConfigMap volumes written to disk) from the objects the operator
 * created in the API server. Only what a laptop must change is changed: every pod shares 127.0.0.1, so ports, the
 * advertised host and the data directory are the test's own; mounted paths point at local copies.
 */
final class Kubelet {
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private Kubelet() {
    }

    static Map<String, String> podEnvironment(KubernetesClient client, StatefulSet sts, int ordinal, Path podDir)
            throws IOException {
        String namespace = sts.getMetadata().getNamespace();
        String podName = sts.getMetadata().getName() + "-" + ordinal;
        var podSpec = sts.getSpec().getTemplate().getSpec();
        Container container = podSpec.getContainers().get(0);

        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path local = podDir.resolve("mounts").resolve(mount.getName());
            Files.createDirectories(local);
            mounts.put(mount.getMountPath(), local);
            for (Volume volume : podSpec.getVolumes()) {
                if (volume.getName().equals(mount.getName()) && volume.getConfigMap() != null) {
                    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
                    for (Map.Entry<String, String> file : cm.getData().entrySet()) {
                        Files.writeString(local.resolve(file.getKey()), file.getValue());
                    }
                }
            }
        }

        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : container.getEnv()) {
            String value;
            if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
                value = switch (var.getValueFrom().getFieldRef().getFieldPath()) {
                    case "metadata.name" -> podName;
                    case "metadata.namespace" -> namespace;
                    default -> throw new IllegalArgumentException("field " + var.getValueFrom().getFieldRef().getFieldPath());
                };
            } else if (var.getValueFrom() != null) {
                throw new IllegalArgumentException("this kubelet resolves only field references, not " + var);
            } else {
                value = expand(var.getValue(), env);
            }
            env.put(var.getName(), remapPath(value, mounts));
        }
        return env;
    }

    private static String expand(String value, Map<String, String> env) {
        Matcher m = REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String remapPath(String value, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (value.startsWith(mount.getKey() + "/") || value.equals(mount.getKey())) {
                return mount.getValue() + value.substring(mount.getKey().length());
            }
        }
        return value;
    }
}
