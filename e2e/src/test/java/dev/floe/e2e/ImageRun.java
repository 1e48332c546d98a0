package dev.floe.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an unpacked image's entrypoint the way a container runtime would, without one: util-linux's unshare gives an
 * unprivileged user namespace (mapped to root), a mount and PID namespace with its own /proc, and chroot makes the
 * image's root filesystem the only one the process sees. The network is the host's, so the test reaches its ports.
 */
final class ImageRun {
    private ImageRun() {
    }

    /**
     * Whether this machine allows what {@link #isolated} does: unprivileged user namespaces and a /proc of their
     * own (some kernels, CI sandboxes and containers forbid either). Probed with the host's `true`, so a broken image
     * can never make this answer no.
     */
    static boolean canIsolate(Path scratchDir) {
        try {
            Path proc = Files.createDirectories(scratchDir.resolve("probe-proc"));
            Process probe = new ProcessBuilder("unshare", "-r", "-m", "-p", "-f", "--mount-proc=" + proc, "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The command that runs entrypoint inside root. --kill-child passes a SIGTERM of ours on to the entrypoint, which
     * is PID 1 of its namespace as in a container.
     */
    static List<String> isolated(Path root, List<String> entrypoint) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        List<String> command = new ArrayList<>(List.of("unshare", "-r", "-m", "-p", "-f", "--kill-child=SIGTERM",
                "--mount-proc=" + root.resolve("proc"), hostCommand("chroot"), root.toString()));
        command.addAll(entrypoint);
        return command;
    }

    /** The absolute path of a host tool: unshare runs it with the image's environment, whose PATH is not ours. */
    private static String hostCommand(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new IllegalStateException(name + " not found on this machine");
    }
}
