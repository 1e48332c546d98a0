package dev.floe.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium showing one page, with a profile of its own so runs never share state. Only the
 * processes it started are killed, the whole tree, because Chromium forks renderer and zygote children.
 */
final class Chromium implements AutoCloseable {
    private final Process process;
    private final Path profile;
    private final Path log;

    private Chromium(Process process, Path profile, Path log) {
        this.process = process;
        this.profile = profile;
        this.log = log;
    }

    static String binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        throw new AssertionError("chromium is not installed: apt-get install -y chromium (.ci/run does this)");
    }

    static Chromium open(String url, Path workDir) throws IOException {
        String binary = binary();
        Path profile = Files.createTempDirectory("floe-chromium-");
        Path log = workDir.resolve("chromium.log");
        Process process = new ProcessBuilder(List.of(binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--user-data-dir=" + profile, url))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Chromium(process, profile, log);
    }

    boolean alive() {
        return process.isAlive();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no chromium log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : tree) {
            child.onExit().get(10, TimeUnit.SECONDS);
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }
}
