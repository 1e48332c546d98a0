package dev.floe.crds.common;

import io.fabric8.kubernetes.api.model.Condition;

import java.util.List;

/** A status that carries Kubernetes conditions. */
public interface HasConditions {
    List<Condition> getConditions();

    void setConditions(List<Condition> conditions);
}
