package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three Apache Kafka brokers in KRaft mode from this module's test classpath: node 1 is controller and broker,
 * nodes 2 and 3 brokers; logs to files, heap as the Floe brokers get.
 */
final class KafkaCluster implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    KafkaCluster(Path dir) throws Exception {
        int controller = FloeProcess.freePort();
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        for (int node = 1; node <= 3; node++) {
            int port = FloeProcess.freePort();
            ports.add(port);
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + node));
            String roles = node == 1 ? "broker,controller" : "broker";
            String listeners = node == 1 ? "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller
                    : "PLAINTEXT://127.0.0.1:" + port;
            Path props = nodeDir.resolve("server.properties");
            Files.writeString(props, String.join("\n",
                    "process.roles=" + roles, "node.id=" + node,
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=" + listeners, "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + nodeDir.resolve("logs"), "offsets.topic.replication.factor=3",
                    "group.initial.rebalance.delay.ms=0", "num.partitions=1") + "\n");
            run(nodeDir.resolve("format.log"), "kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                    props.toString()).waitFor(60, TimeUnit.SECONDS);
            processes.add(run(nodeDir.resolve("kafka.log"), "kafka.Kafka", props.toString()));
        }
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000",
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000"))) {
                if (admin.describeCluster().nodes().get().size() == 3) {
                    return;
                }
            } catch (Exception notYet) {
                // starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the Kafka brokers did not all register; see " + dir);
    }

    private static Process run(Path log, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(FloeProcess.javaBin(), "-Xmx1G", "-Xms1G", "-cp",
                System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The listener of one node (1 to 3). */
    String bootstrap(int node) {
        return "127.0.0.1:" + ports.get(node - 1);
    }

    String bootstrap() {
        return ports.stream().map(p -> "127.0.0.1:" + p).reduce((a, b) -> a + "," + b).orElseThrow();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
