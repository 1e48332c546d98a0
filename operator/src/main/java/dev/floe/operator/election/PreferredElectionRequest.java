package dev.floe.operator.election;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A pending {@code floe.dev/elect-preferred} annotation: Kafka's ElectLeaders (PREFERRED) as a broker received it.
 * Value {@code <request id>} means every partition, {@code <request id>:<p>,<p>...} those partitions. It is pending
 * while {@code status.preferredElection} holds a different value.
 */
public record PreferredElectionRequest(String value, Set<Integer> partitions) {

    public boolean covers(int partition) {
        return partitions == null || partitions.contains(partition);
    }

    public static Optional<PreferredElectionRequest> pending(Topic topic) {
        String value = topic.getMetadata().getAnnotations() == null ? null
                : topic.getMetadata().getAnnotations().get(Labels.ELECT_PREFERRED);
        if (value == null || value.isEmpty()
                || (topic.getStatus() != null && value.equals(topic.getStatus().getPreferredElection()))) {
            return Optional.empty();
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            return Optional.of(new PreferredElectionRequest(value, null));
        }
        Set<Integer> partitions = new HashSet<>();
        for (String p : value.substring(colon + 1).split(",")) {
            try {
                if (!p.isBlank()) {
                    partitions.add(Integer.parseInt(p.trim()));
                }
            } catch (NumberFormatException e) {
                // A partition that cannot exist: nothing to elect for it; the rest of the request still counts.
            }
        }
        return Optional.of(new PreferredElectionRequest(value, partitions));
    }
}
