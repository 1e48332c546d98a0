package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;

import java.util.List;

/**
 * What a broker may do in the API: hold its Lease, read its Cluster, and manage Topics (clients create and delete
 * topics through the brokers; leaders report ISR changes in the status). Nothing outside its namespace.
 */
public final class BrokerRbac {
    private BrokerRbac() {
    }

    public static ServiceAccount serviceAccount(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new ServiceAccountBuilder()
                .withNewMetadata().withName(names.serviceAccount()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .build();
    }

    public static Role role(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new RoleBuilder()
                .withNewMetadata().withName(names.role()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withRules(rules())
                .build();
    }

    public static RoleBinding roleBinding(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new RoleBindingBuilder()
                .withNewMetadata().withName(names.role()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(names.role())
                .endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(names.serviceAccount())
                .withNamespace(names.namespace()).endSubject()
                .build();
    }

    static List<PolicyRule> rules() {
        return List.of(
                rule("coordination.k8s.io", "leases", "get", "list", "watch", "create", "update", "patch"),
                rule("floe.dev", "topics", "get", "list", "watch", "create", "update", "patch", "delete"),
                rule("floe.dev", "topics/status", "get", "update", "patch"),
                rule("floe.dev", "clusters", "get", "list", "watch"));
    }

    private static PolicyRule rule(String group, String resource, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
    }
}
