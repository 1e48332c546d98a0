package dev.floe.crds.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The chart, rendered by the real Helm (bundled native library, no helm binary needed): it lints clean, renders the
 * operator the way the operator reads its configuration, grants exactly the RBAC the operator needs, and refuses
 * values its schema does not allow.
 */
class HelmChartTest {
    static final String RELEASE = "floe";
    static final String NAMESPACE = "floe-system";
    static final String ALL_NAMESPACES = "JOSDK_ALL_NAMESPACES";
    static final String KUBE_VERSION = "1.30.0";

    /**
     * The operator's namespaced permissions, one "group/resource:verb" each. Written out in full so that widening
     * the operator's rights is a visible change to this list, not a side effect of a template edit.
     */
    static final Set<String> OPERATOR_PERMISSIONS = permissions(
            Map.of("floe.dev/clusters", Verbs.CRUD, "floe.dev/clusters/finalizers", Verbs.CRUD,
                    "floe.dev/clusters/status", Verbs.STATUS, "floe.dev/topics", Verbs.CRUD,
                    "floe.dev/topics/finalizers", Verbs.CRUD, "floe.dev/topics/status", Verbs.STATUS,
                    "apps/statefulsets", Verbs.CRUD, "/services", Verbs.CRUD, "/configmaps", Verbs.CRUD,
                    "/serviceaccounts", Verbs.CRUD),
            Map.of("/pods", Verbs.READ, "/events", Verbs.EMIT, "events.k8s.io/events", Verbs.EMIT,
                    "policy/poddisruptionbudgets", Verbs.CRUD, "rbac.authorization.k8s.io/roles", Verbs.CRUD,
                    "rbac.authorization.k8s.io/rolebindings", Verbs.CRUD, "coordination.k8s.io/leases", Verbs.CRUD));

    enum Verbs {
        CRUD("get", "list", "watch", "create", "update", "patch", "delete"),
        STATUS("get", "update", "patch"),
        READ("get", "list", "watch"),
        EMIT("create", "patch");

        final List<String> verbs;

        Verbs(String... verbs) {
            this.verbs = List.of(verbs);
        }
    }

    @SafeVarargs
    static Set<String> permissions(Map<String, Verbs>... tables) {
        Set<String> permissions = new TreeSet<>();
        for (Map<String, Verbs> table : tables) {
            table.forEach((resource, verbs) -> verbs.verbs.forEach(verb -> permissions.add(resource + ":" + verb)));
        }
        return permissions;
    }

    static Set<String> permissionsOf(List<PolicyRule> rules) {
        Set<String> permissions = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        permissions.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        return permissions;
    }

    static TemplateCommand template() {
        // Without a cluster, Helm assumes the Kubernetes version it was built against (v1.20 in helm-java), below
        // the chart's kubeVersion; name a supported one, as `helm template --kube-version` would.
        return new Helm(ChartPaths.chart()).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> resources, Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).collect(Collectors.toList());
    }

    static <T extends HasMetadata> T single(List<HasMetadata> resources, Class<T> kind) {
        List<T> matching = ofKind(resources, kind);
        assertThat(matching).as("rendered %s resources", kind.getSimpleName()).hasSize(1);
        return matching.get(0);
    }

    static Map<String, String> env(Container container) {
        return container.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(ChartPaths.chart()).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    @Test
    void defaultValuesRenderAnOperatorForAllNamespaces() {
        List<HasMetadata> resources = Manifests.resources(template().call());

        Deployment deployment = single(resources, Deployment.class);
        assertThat(deployment.getMetadata().getName()).isEqualTo("floe-operator");
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        Container operator = pod.getContainers().get(0);
        assertThat(operator.getImage()).isEqualTo("floe/operator:0.1.0");
        assertThat(operator.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(env(operator))
                .containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_CLUSTER_NAMESPACES", ALL_NAMESPACES)
                .containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_TOPIC_NAMESPACES", ALL_NAMESPACES)
                .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", ALL_NAMESPACES)
                .containsEntry("FLOE_OPERATOR_BROKER_IMAGE", "floe/broker:0.1.0")
                // The image's JDK_JAVA_OPTIONS (heap from the memory limit, JBoss log manager) stay unless overridden.
                .doesNotContainKey("JDK_JAVA_OPTIONS");
        var security = operator.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(operator.getPorts()).anySatisfy(port -> {
            assertThat(port.getContainerPort()).isEqualTo(8080);
            assertThat(port.getName()).isEqualTo(operator.getLivenessProbe().getHttpGet().getPort().getStrVal());
        });
        assertThat(operator.getResources().getLimits()).containsKey("memory");

        ServiceAccount account = single(resources, ServiceAccount.class);
        assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());

        // All namespaces: one ClusterRole for the operator's work, one for reading its own CRDs at startup, one for
        // reading nodes' zones (rack-aware placement).
        List<ClusterRole> clusterRoles = ofKind(resources, ClusterRole.class);
        assertThat(clusterRoles).extracting(r -> r.getMetadata().getName())
                .containsExactlyInAnyOrder("floe-operator", "floe-operator-crds", "floe-operator-nodes");
        ClusterRole operatorRole = clusterRoles.stream()
                .filter(r -> r.getMetadata().getName().equals("floe-operator")).findFirst().orElseThrow();
        assertThat(permissionsOf(operatorRole.getRules()))
                .contains("coordination.k8s.io/leases:create", "floe.dev/topics/status:update")
                .isEqualTo(OPERATOR_PERMISSIONS);
        assertLeastPrivilege(clusterRoles.stream().flatMap(r -> r.getRules().stream()).collect(Collectors.toList()));
        assertThat(ofKind(resources, Role.class)).isEmpty();

        List<ClusterRoleBinding> bindings = ofKind(resources, ClusterRoleBinding.class);
        assertThat(bindings).hasSize(3).allSatisfy(binding -> {
            assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
                assertThat(subject.getKind()).isEqualTo("ServiceAccount");
                assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
                assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
            });
        });
    }

    @Test
    void crdReadAccessIsLimitedToFloeCrds() {
        ClusterRole crds = ofKind(Manifests.resources(template().call()), ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().endsWith("-crds")).findFirst().orElseThrow();
        assertThat(crds.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("apiextensions.k8s.io");
            assertThat(rule.getResourceNames()).containsExactlyInAnyOrder("clusters.floe.dev", "topics.floe.dev");
            assertThat(rule.getVerbs()).containsExactly("get");
        });
    }

    @Test
    void nodeAccessIsReadOnlyForZones() {
        ClusterRole nodes = ofKind(Manifests.resources(template().call()), ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().endsWith("-nodes")).findFirst().orElseThrow();
        assertThat(nodes.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).containsExactly("nodes");
            assertThat(rule.getVerbs()).containsExactly("get");
        });
    }

    @Test
    void customValuesRenderAnOperatorForListedNamespaces(@TempDir Path dir) throws IOException {
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, String.join("\n",
                "watchNamespaces: [team-a, team-b]",
                "operator:",
                "  image:",
                "    repository: registry.example.com:5000/floe/operator",
                "    tag: 1.2.3-rc1",
                "    pullPolicy: Always",
                "  resources:",
                "    requests: {cpu: 250m, memory: 384Mi}",
                "    limits: {cpu: 1, memory: 768Mi}",
                "  nodeSelector: {kubernetes.io/os: linux}",
                "  tolerations: [{key: dedicated, operator: Equal, value: floe, effect: NoSchedule}]",
                "  extraEnv: [{name: QUARKUS_OPERATOR_SDK_CRD_VALIDATE, value: 'false'}]",
                "  javaOpts: -Xmx300m",
                "broker:",
                "  image: {repository: mirror.example.com/floe/broker, tag: 0.1.1}",
                "serviceAccount:",
                "  name: floe-operator-sa",
                "  annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::123456789012:role/floe'}",
                ""));
        List<HasMetadata> resources = Manifests.resources(template().withValuesFile(values).call());

        Deployment deployment = single(resources, Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container operator = pod.getContainers().get(0);
        assertThat(operator.getImage()).isEqualTo("registry.example.com:5000/floe/operator:1.2.3-rc1");
        assertThat(operator.getImagePullPolicy()).isEqualTo("Always");
        assertThat(env(operator))
                .containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_CLUSTER_NAMESPACES", "team-a,team-b")
                .containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_TOPIC_NAMESPACES", "team-a,team-b")
                .containsEntry("FLOE_OPERATOR_BROKER_IMAGE", "mirror.example.com/floe/broker:0.1.1")
                .containsEntry("QUARKUS_OPERATOR_SDK_CRD_VALIDATE", "false")
                .containsEntry("JDK_JAVA_OPTIONS", "-Xmx300m");
        assertThat(operator.getResources().getRequests())
                .containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("384Mi"));
        assertThat(operator.getResources().getLimits()).containsEntry("memory", new Quantity("768Mi"));
        assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
        assertThat(pod.getServiceAccountName()).isEqualTo("floe-operator-sa");
        assertThat(single(resources, ServiceAccount.class).getMetadata().getAnnotations())
                .containsKey("eks.amazonaws.com/role-arn");

        // Listed namespaces: the operator's rights exist only there; cluster-wide it may only read its CRDs.
        List<Role> roles = ofKind(resources, Role.class);
        assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).containsExactlyInAnyOrder("team-a", "team-b");
        assertThat(roles).allSatisfy(role -> assertThat(permissionsOf(role.getRules())).isEqualTo(OPERATOR_PERMISSIONS));
        assertThat(ofKind(resources, ClusterRole.class)).extracting(r -> r.getMetadata().getName())
                .containsExactlyInAnyOrder("floe-operator-crds", "floe-operator-nodes");
        assertThat(ofKind(resources, RoleBinding.class)).hasSize(2).allSatisfy(binding -> {
            assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
                assertThat(subject.getName()).isEqualTo("floe-operator-sa");
                assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
            });
        });
    }

    @Test
    void setFlagsWorkLikeValuesFiles() {
        // helm install --set is how most people override one value; list items go by index.
        List<HasMetadata> resources = Manifests.resources(template()
                .set("operator.image.tag", "2.0.0")
                .set("watchNamespaces[0]", "solo")
                .call());
        Container operator = single(resources, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(operator.getImage()).isEqualTo("floe/operator:2.0.0");
        assertThat(env(operator)).containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_CLUSTER_NAMESPACES", "solo");
    }

    @Test
    void rbacAndServiceAccountCanBeLeftToAnAdministrator() {
        List<HasMetadata> resources = Manifests.resources(template()
                .set("rbac.create", false)
                .set("serviceAccount.create", false)
                .set("serviceAccount.name", "preprovisioned")
                .call());
        assertThat(resources).noneMatch(r -> r.getKind().contains("Role") || r instanceof ServiceAccount);
        assertThat(single(resources, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo("preprovisioned");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "operator: {replicas: '1'}",
            "operator: {replicas: 2}",
            "unknownKey: true",
            "operator: {unknownKey: true}",
            "operator: {image: {repository: floe/operator, tag: '1.0', pullPolicy: Sometimes}}",
            "operator: {image: {repository: 'floe/operator:1.0'}}",
            "watchNamespaces: 'a,b'",
            "watchNamespaces: [Not_A_Namespace]",
            "watchNamespaces: [a, a]",
            "broker: {image: {repository: floe/broker, tag: 'bad tag'}}",
            "rbac: {create: 'yes'}",
    })
    void valuesOutsideTheSchemaAreRefused(String badValues, @TempDir Path dir) throws IOException {
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, badValues + "\n");
        assertThatThrownBy(() -> template().withValuesFile(values).call())
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    /** Nothing the operator does needs wildcards or Secrets: brokers get credentials through secretKeyRef. */
    static void assertLeastPrivilege(List<PolicyRule> rules) {
        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
            assertThat(rule.getResources()).doesNotContain("*", "secrets");
            assertThat(rule.getApiGroups()).doesNotContain("*");
        });
    }
}
