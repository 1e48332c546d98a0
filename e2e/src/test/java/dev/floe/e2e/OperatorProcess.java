package dev.floe.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged operator (operator/target/quarkus-app) as a process, pointed at an API server by environment. */
final class OperatorProcess implements AutoCloseable {
    private final Path jar;
    private final Path logFile;
    private final int httpPort;
    private final Map<String, String> env;
    private Process process;

    OperatorProcess(Path workDir, Map<String, String> env) throws IOException {
        this.jar = Path.of(System.getProperty("floe.operator.jar", "../operator/target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the packaged operator " + jar.toAbsolutePath()
                    + " is missing: build it first with ./mvnw -pl operator -am package");
        }
        this.logFile = workDir.resolve("operator.log");
        this.httpPort = FloeProcess.freePort();
        this.env = env;
    }

    OperatorProcess start() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(FloeProcess.javaBin(), "-Xmx256m", "-jar", jar.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        builder.environment().putAll(env);
        process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited with " + process.exitValue() + "; its log:\n"
                        + logTail());
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the operator did not become ready within 60 s; its log:\n" + logTail());
    }

    /** The operator's HTTP port (/q/metrics, /q/health). */
    int httpPort() {
        return httpPort;
    }

    /** For a thread dump when a test times out waiting on the operator. */
    long pid() {
        return process.pid();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
