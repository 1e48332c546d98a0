package dev.floe.operator.reassign;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pending {@code floe.dev/reassign} annotation: Kafka's AlterPartitionReassignments as a broker received and
 * checked it. Value {@code <id>;<p>=<b>,<b>...;<p>=}: per partition the target replicas, first the preferred leader;
 * an empty list cancels. Pending while {@code status.reassignmentRequest} holds another id.
 *
 * @param targets per partition, the target replicas; an empty list means cancel
 */
public record ReassignmentRequest(String id, Map<Integer, List<Integer>> targets) {

    public static Optional<ReassignmentRequest> pending(Topic topic) {
        String value = topic.getMetadata().getAnnotations() == null ? null
                : topic.getMetadata().getAnnotations().get(Labels.REASSIGN);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        ReassignmentRequest request = parse(value);
        if (topic.getStatus() != null && request.id().equals(topic.getStatus().getReassignmentRequest())) {
            return Optional.empty();
        }
        return Optional.of(request);
    }

    /** Lenient: a malformed entry is skipped (the broker wrote and checked it; the rest of the request counts). */
    static ReassignmentRequest parse(String value) {
        String[] parts = value.split(";", -1);
        Map<Integer, List<Integer>> targets = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                continue;
            }
            try {
                int partition = Integer.parseInt(parts[i].substring(0, eq).trim());
                List<Integer> target = new ArrayList<>();
                for (String b : parts[i].substring(eq + 1).split(",")) {
                    if (!b.isBlank()) {
                        target.add(Integer.parseInt(b.trim()));
                    }
                }
                targets.put(partition, target);
            } catch (NumberFormatException e) {
                // Not something a broker writes; nothing to do for this entry.
            }
        }
        return new ReassignmentRequest(parts[0].trim(), targets);
    }
}
