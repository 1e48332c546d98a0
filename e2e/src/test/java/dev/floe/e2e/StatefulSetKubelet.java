package dev.floe.e2e;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.function.UnaryOperator;

/**
 * Plays the kubelet and the StatefulSet controller for one StatefulSet while a test runs: whenever the operator
 * changes the StatefulSet's replicas, broker pods are started (lowest missing ordinal first, one at a time, as
 * OrderedReady does) or stopped (highest ordinal first), each pod a packaged broker process on its own data
 * directory, which outlives the pod as a PersistentVolumeClaim does. Event-driven: an informer on the StatefulSet
 * wakes one worker thread that brings the pods to the latest replicas.
 */
final class StatefulSetKubelet implements AutoCloseable {
    private final KubernetesClient kube;
    private final String namespace;
    private final String name;
    private final Path work;
    private final Map<String, String> extraEnv;
    private final UnaryOperator<FloeProcess> configure;
    private final Map<Integer, FloeProcess> pods = Collections.synchronizedMap(new TreeMap<>());
    private final Set<Integer> running = Collections.synchronizedSet(new java.util.TreeSet<>());
    private final List<String> actions = Collections.synchronizedList(new ArrayList<>());
    private final Semaphore wake = new Semaphore(0);
    private final Thread worker;
    private SharedIndexInformer<StatefulSet> informer;
    private volatile boolean closed;
    private volatile Exception failure;
    private volatile int mostRunning;

    /**
     * @param extraEnv  added to every pod's environment (the test's object store, the API server address)
     * @param configure applied to each broker process before its first start
     */
    StatefulSetKubelet(KubernetesClient kube, String namespace, String name, Path work, Map<String, String> extraEnv,
                       UnaryOperator<FloeProcess> configure) {
        this.kube = kube;
        this.namespace = namespace;
        this.name = name;
        this.work = work;
        this.extraEnv = Map.copyOf(extraEnv);
        this.configure = configure;
        this.worker = new Thread(this::run, "kubelet-" + name);
        this.worker.setDaemon(true);
    }

    StatefulSetKubelet start() {
        informer = kube.apps().statefulSets().inNamespace(namespace).withName(name).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StatefulSet sts) {
                wake.release();
            }

            @Override
            public void onUpdate(StatefulSet before, StatefulSet after) {
                wake.release();
            }

            @Override
            public void onDelete(StatefulSet sts, boolean unknownFinalState) {
                wake.release();
            }
        });
        worker.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                wake.acquire();
                wake.drainPermits();
                converge();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failure = e;
                actions.add("failed: " + e);
                return;
            }
        }
    }

    /** One pod at a time towards the StatefulSet's replicas, re-reading it after each step. */
    private void converge() throws Exception {
        while (!closed) {
            StatefulSet sts = kube.apps().statefulSets().inNamespace(namespace).withName(name).get();
            int replicas = sts == null || sts.getSpec().getReplicas() == null ? 0 : sts.getSpec().getReplicas();
            Integer highest = running.isEmpty() ? null : Collections.max(running);
            if (highest != null && highest >= replicas) {
                pods.get(highest).stop();
                running.remove(highest);
                actions.add("stopped " + name + "-" + highest);
                continue;
            }
            int missing = 0;
            while (running.contains(missing)) {
                missing++;
            }
            if (missing >= replicas) {
                return;
            }
            FloeProcess pod = pods.get(missing);
            if (pod == null) {
                pod = create(sts, missing);
                pods.put(missing, pod);
            }
            pod.start();
            running.add(missing);
            mostRunning = Math.max(mostRunning, running.size());
            actions.add("started " + name + "-" + missing);
        }
    }

    private FloeProcess create(StatefulSet sts, int ordinal) throws Exception {
        Path podDir = Files.createDirectories(work.resolve(name + "-" + ordinal));
        Map<String, String> env = new LinkedHashMap<>(Kubelet.podEnvironment(kube, sts, ordinal, podDir));
        // Every pod shares 127.0.0.1: ports, advertised host and data directory are the broker process's own.
        env.keySet().removeAll(Set.of("FLOE_KAFKA_PORT", "FLOE_HTTP_PORT", "FLOE_ADVERTISED_HOST", "FLOE_DATA_DIR"));
        env.putAll(extraEnv);
        return configure.apply(new FloeProcess(podDir, env));
    }

    /** Ordinals whose broker process runs now. */
    Set<Integer> running() {
        return Set.copyOf(running);
    }

    /** The broker of an ordinal, running or stopped, or null if it never ran. */
    FloeProcess pod(int ordinal) {
        return pods.get(ordinal);
    }

    /** The most pods that ran at once. */
    int mostRunning() {
        return mostRunning;
    }

    /** What the kubelet did, in order ("started demo-broker-2", "stopped demo-broker-2"). */
    List<String> actions() {
        return List.copyOf(actions);
    }

    /** Why the kubelet stopped following the StatefulSet, or null. */
    Exception failure() {
        return failure;
    }

    String logTails() {
        StringBuilder out = new StringBuilder();
        pods.forEach((ordinal, pod) -> out.append("\n--- broker ").append(ordinal).append(" ---\n").append(pod.logTail()));
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        worker.interrupt();
        worker.join(60_000);
        FloeProcess.closeAll(new ArrayList<>(pods.values()));
    }
}
