package dev.floe.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Kafka's CLI tools (from this module's test classpath) and kcat as processes, as a user would. */
final class Cli {
    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + "\n" + stderr;
        }

        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("command failed with exit code " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return this;
        }
    }

    private Cli() {
    }

    /** A Kafka tool's main class with the arguments a shell script would pass it. */
    static Result kafka(String mainClass, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(FloeProcess.javaBin(), "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return run(command, stdin, 120);
    }

    static Result kcat(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(kcatBinary());
        command.addAll(List.of(args));
        return run(command, stdin, 60);
    }

    static String kcatBinary() {
        for (String candidate : List.of("/usr/bin/kcat", "/usr/local/bin/kcat", "/usr/bin/kafkacat")) {
            if (new java.io.File(candidate).canExecute()) {
                return candidate;
            }
        }
        throw new AssertionError("kcat is not installed: apt-get install -y kcat (.ci/run does this)");
    }

    static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).start();
    }

    static Result run(List<String> command, String stdin, int timeoutSeconds) throws Exception {
        Process process = new ProcessBuilder(command).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outPump = pump(process.getInputStream(), out);
        Thread errPump = pump(process.getErrorStream(), err);
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            outPump.join(5000);
            errPump.join(5000);
            throw new AssertionError("command timed out after " + timeoutSeconds + " s: " + String.join(" ", command.subList(
                    Math.max(0, command.size() - 8), command.size())) + "\nstdout:\n" + out + "\nstderr:\n" + err);
        }
        outPump.join(5000);
        errPump.join(5000);
        return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Thread pump(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
