package dev.floe.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged Floe broker (broker/target/quarkus-app) as a separate process, started the way the README
 * says, on free ports and a data directory of its own. It can be stopped, killed with SIGKILL, and restarted on
 * the same data and ports.
 */
final class FloeProcess implements AutoCloseable {
    static final String LEAK_DETECTION = "io.netty.leakDetection.level=paranoid";
    /** Log lines that mean the broker mishandled a Netty buffer: a leak, or a release of a released buffer. */
    private static final List<String> BUFFER_ERRORS = List.of("IllegalReferenceCountException", "LEAK:");

    private final Path jar;
    private List<String> jvmOptions = List.of("-Xmx512m", "-D" + LEAK_DETECTION);
    private final Path dataDir;
    private final Path logFile;
    private final int kafkaPort;
    private final int httpPort;
    private final java.util.Map<String, String> extraEnv;
    private Process process;
    private Duration readyTimeout = Duration.ofSeconds(60);

    FloeProcess(Path workDir) throws IOException {
        this(workDir, java.util.Map.of());
    }

    /** With extra environment variables (FLOE_* settings) on top of the ports and data directory. */
    FloeProcess(Path workDir, java.util.Map<String, String> extraEnv) throws IOException {
        this.extraEnv = extraEnv;
        this.jar = Path.of(System.getProperty("floe.broker.jar", "../broker/target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the packaged broker " + jar.toAbsolutePath()
                    + " is missing: build the broker first with ./mvnw -pl broker package");
        }
        this.dataDir = workDir.resolve("data");
        this.logFile = workDir.resolve("broker.log");
        this.kafkaPort = freePort();
        this.httpPort = freePort();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** How long start() waits for readiness (brokers on very many partitions take longer on slow machines). */
    /**
     * JVM options instead of the tests' (512 MiB heap, paranoid Netty leak detection): a benchmark runs the broker
     * as it would run in production, with the same heap as the system it is compared with.
     */
    FloeProcess jvmOptions(List<String> options) {
        this.jvmOptions = List.copyOf(options);
        return this;
    }

    FloeProcess readyTimeout(Duration timeout) {
        this.readyTimeout = timeout;
        return this;
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    int httpPort() {
        return httpPort;
    }

    Path dataDir() {
        return dataDir;
    }

    FloeProcess start() throws Exception {
        // Paranoid leak detection tracks every Netty buffer, so a leak or a double release in the broker shows up
        // in its log, which close() checks.
        List<String> command = new java.util.ArrayList<>(List.of(javaBin()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("FLOE_DATA_DIR", dataDir.toString());
        builder.environment().put("FLOE_KAFKA_PORT", Integer.toString(kafkaPort));
        builder.environment().put("FLOE_HTTP_PORT", Integer.toString(httpPort));
        builder.environment().put("FLOE_ADVERTISED_HOST", "127.0.0.1");
        builder.environment().putAll(extraEnv);
        process = builder.start();
        awaitReady();
        return this;
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.currentTimeMillis() + readyTimeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + "; its log:\n" + logTail());
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    try (Socket ignored = new Socket("127.0.0.1", kafkaPort)) {
                        return;
                    }
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the broker did not become ready within " + readyTimeout.toSeconds()
                + " s; its log:\n" + logTail());
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process hangs (a stuck broker, not a dead one) until {@link #resume()}. */
    void pause() throws Exception {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    void resume() throws Exception {
        signal("CONT");
    }

    /** SIGTERM: a clean shutdown. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Send a signal by name (STOP hangs the broker as a frozen VM would, CONT resumes it). */
    void signal(String name) throws Exception {
        if (process == null || !process.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** The whole log of this broker (over all its starts). */
    String logText() throws IOException {
        return Files.readString(logFile);
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Lines of this broker's log (over all its starts) that report a buffer leak or double release. */
    List<String> bufferErrors() {
        return bufferErrors(logFile);
    }

    static List<String> bufferErrors(Path log) {
        if (!Files.exists(log)) {
            return List.of();
        }
        try {
            return Files.readAllLines(log).stream().filter(l -> BUFFER_ERRORS.stream().anyMatch(l::contains)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the broker log " + log, e);
        }
    }

    /** Stops the broker, then fails the owner of this broker if its log reports a buffer leak or double release. */
    @Override
    public void close() throws InterruptedException {
        stop();
        List<String> errors = bufferErrors();
        if (!errors.isEmpty()) {
            throw new AssertionError("the broker's log (" + logFile + ") reports Netty buffers leaked or released"
                    + " twice:\n" + String.join("\n", errors.subList(0, Math.min(errors.size(), 20))));
        }
    }

    /** Closes every broker, stopping all of them even when one's log check fails. */
    static void closeAll(List<FloeProcess> brokers) throws InterruptedException {
        AssertionError first = null;
        for (FloeProcess b : brokers) {
            try {
                b.close();
            } catch (AssertionError e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
