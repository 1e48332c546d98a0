package dev.floe.e2e;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.floe.e2e.ClusterClients.readAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drain before scale-down with the packaged operator and four packaged brokers: the Cluster goes from 4 to 2 brokers
 * while an idempotent acks=all producer writes to an RF-2 topic with {@code min.insync.replicas=2}. The operator moves
 * every replica off brokers 2 and 3 first; the StatefulSet shrinks only once they hold none (checked on every look
 * the test takes, as the kubelet would see it), then the test, as kubelet, stops their pods. Every acknowledged
 * record is read back.
 */
class DrainIT extends OperatedCluster {
    static final List<Integer> LEAVING = List.of(2, 3);

    @Override
    int initialBrokers() {
        return 4;
    }

    @Override
    boolean strictStatusWrites() {
        // As a real API server: a status write from a stale copy is refused, not applied over a completed move.
        return true;
    }

    @Override
    String extraClusterSpec() {
        // Internal topics replicated twice, or the check rightly refuses to go to two brokers.
        return "  offsetsTopicReplicationFactor: 2\n";
    }

    @Override
    String extraClusterConfig() {
        return "    default-replication-factor: \"2\"\n";
    }

    @Override
    int topicReplicationFactor() {
        return 2;
    }

    @Test
    void fourBrokersBecomeTwoOnlyAfterTheLeavingOnesHoldNoReplicaAndNothingAcknowledgedIsLost() throws Exception {
        String bootstrap = brokers.get(0).bootstrap();
        try (Traffic traffic = new Traffic(bootstrap)) {
            traffic.awaitAcks(200);
            assertThat(replicasOn(LEAVING)).as("brokers 2 and 3 hold replicas before the scale-down").isPositive();

            scaleTo(2);

            // The kubelet's view: the StatefulSet's replicas, each time next to what the Topics say.
            await("the StatefulSet shrinks to 2", Duration.ofSeconds(180), () -> {
                int sts = kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get().getSpec()
                        .getReplicas();
                if (sts == 2) {
                    // Read after the StatefulSet: nothing puts a replica back on a broker once it is drained.
                    assertThat(replicasOn(LEAVING)).as("no replica left on brokers 2 and 3 when the StatefulSet shrank")
                            .isZero();
                    return true;
                }
                assertThat(sts).isEqualTo(4);
                return null;
            });
            // The operator shrinks the StatefulSet, then clears status.drain in its own write, which can come later.
            await("the drain is over in the Cluster's status", Duration.ofSeconds(30), () ->
                    clusterEvents().contains("Drained") && kube.resources(Cluster.class).inNamespace(NS)
                            .withName("demo").get().getStatus().getDrain() == null ? true : null);
            assertThat(clusterEvents()).contains("DrainStarted", "Drained");

            // The kubelet stops the pods of the removed ordinals.
            for (int leaving : LEAVING) {
                brokers.get(leaving).stop();
            }

            long acked = traffic.acked();
            traffic.awaitAcks(acked + 200);
            traffic.stop();
            assertThat(traffic.failures()).as("the producer never gave up on a record").isEmpty();
            List<String> read = readAll(bootstrap, TOPIC, "read_committed");
            assertThat(read).as("every acknowledged record is read back").containsAll(traffic.acknowledged());
        }
    }

    private int replicasOn(List<Integer> leaving) {
        return (int) kube.resources(Topic.class).inNamespace(NS).list().getItems().stream()
                .filter(t -> t.getStatus() != null && t.getStatus().getPartitions() != null)
                .flatMap(t -> t.getStatus().getPartitions().stream())
                .filter(p -> p.getReplicas().stream().anyMatch(leaving::contains)).count();
    }

    private List<String> clusterEvents() {
        return kube.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "demo".equals(e.getInvolvedObject().getName())
                        && "Cluster".equals(e.getInvolvedObject().getKind()))
                .map(Event::getReason).toList();
    }

    private void scaleTo(int replicas) {
        // A replace guarded by resourceVersion: the mock API server hangs on some PATCHes of custom resources.
        for (int attempt = 0; ; attempt++) {
            Cluster c = kube.resources(Cluster.class).inNamespace(NS).withName("demo").get();
            c.getSpec().setReplicas(replicas);
            try {
                kube.resource(c).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 10) {
                    throw e;
                }
            }
        }
    }

    /** An idempotent acks=all producer spreading records over every partition of the topic. */
    private static final class Traffic implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong acks = new AtomicLong();
        private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        Traffic(String bootstrap) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(props);
            thread = new Thread(this::run, "traffic");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            long n = 0;
            while (running.get()) {
                String value = "value-" + n;
                int partition = (int) (n++ % 6);
                try {
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (meta, error) -> {
                        if (error == null) {
                            acknowledged.add(value);
                            synchronized (acks) {
                                acks.incrementAndGet();
                                acks.notifyAll();
                            }
                        } else {
                            failures.add(value + ": " + error);
                        }
                    });
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures.add(value + ": " + e);
                }
            }
        }

        long acked() {
            return acks.get();
        }

        List<String> acknowledged() {
            return List.copyOf(acknowledged);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        void awaitAcks(long count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            synchronized (acks) {
                while (acks.get() < count) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMs <= 0) {
                        throw new AssertionError("only " + acks.get() + " of " + count + " records acknowledged; "
                                + "failures: " + failures.stream().limit(5).toList());
                    }
                    acks.wait(leftMs);
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.flush();
        }

        @Override
        public void close() {
            running.set(false);
            producer.close(Duration.ofSeconds(10));
        }
    }
}
