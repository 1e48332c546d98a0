package dev.floe.operator.apply;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes one owned object match its desired form. The desired form's hash is stored on the object, so an unchanged
 * spec costs one GET and no write, and a change made by hand to a managed object is put back when the spec changes.
 * Replace (with the live resourceVersion) rather than server-side apply: one code path that every API server,
 * including the test server, supports.
 */
@ApplicationScoped
public class ResourceApplier {
    public static final String DESIRED_HASH = "floe.dev/desired-hash";

    public enum Outcome { CREATED, UPDATED, UNCHANGED }

    private final KubernetesClient client;

    public ResourceApplier(KubernetesClient client) {
        this.client = client;
    }

    public Outcome apply(HasMetadata owner, HasMetadata desired) {
        String hash = hash(desired);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (desired.getMetadata().getAnnotations() != null) {
            annotations.putAll(desired.getMetadata().getAnnotations());
        }
        annotations.put(DESIRED_HASH, hash);
        desired.getMetadata().setAnnotations(annotations);
        desired.getMetadata().setOwnerReferences(java.util.List.of(ownerReference(owner)));

        HasMetadata live = client.resource(desired).get();
        if (live == null) {
            client.resource(desired).create();
            return Outcome.CREATED;
        }
        Map<String, String> liveAnnotations = live.getMetadata().getAnnotations();
        if (liveAnnotations != null && hash.equals(liveAnnotations.get(DESIRED_HASH))) {
            return Outcome.UNCHANGED;
        }
        desired.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
        client.resource(desired).update();
        return Outcome.UPDATED;
    }

    /** Owner references let Kubernetes garbage-collect everything when the Cluster is deleted. */
    static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    static String hash(HasMetadata desired) {
        try {
            byte[] yaml = Serialization.asYaml(desired).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(yaml)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
