package dev.floe.crds.cluster;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Floe cluster: a set of brokers sharing one object-storage bucket, run by the operator as a StatefulSet. */
@Group(Cluster.GROUP)
@Version(Cluster.VERSION)
@ShortNames({"floe", "floec"})
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyBrokers", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Bootstrap", jsonPath = ".status.bootstrap", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Cluster extends CustomResource<ClusterSpec, ClusterStatus> implements Namespaced {
    public static final String GROUP = "floe.dev";
    public static final String VERSION = "v1alpha1";

    @Override
    protected ClusterSpec initSpec() {
        return new ClusterSpec();
    }

    @Override
    protected ClusterStatus initStatus() {
        return new ClusterStatus();
    }
}
