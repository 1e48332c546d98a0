package dev.floe.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * An OCI image archive as jib's buildTar writes it (an OCI image layout in a tar: oci-layout, index.json,
 * blobs/sha256/...), read the way a container runtime reads it: index, then manifest, then config and layers.
 */
final class ImageArchive {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path tar;
    private final JsonNode index;
    private final JsonNode manifest;
    private final JsonNode config;

    private ImageArchive(Path tar, JsonNode index, JsonNode manifest, JsonNode config) {
        this.tar = tar;
        this.index = index;
        this.manifest = manifest;
        this.config = config;
    }

    static ImageArchive open(Path tar) throws IOException {
        if (!Files.exists(tar)) {
            throw new IllegalStateException("the image archive " + tar.toAbsolutePath() + " is missing: build it with"
                    + " ./mvnw -pl broker,operator -am package -DskipTests (jib:buildTar runs in package)");
        }
        JsonNode index = JSON.readTree(entry(tar, "index.json"));
        JsonNode manifest = JSON.readTree(blob(tar, index.path("manifests").path(0).path("digest").asText()));
        JsonNode config = JSON.readTree(blob(tar, manifest.path("config").path("digest").asText()));
        return new ImageArchive(tar, index, manifest, config);
    }

    JsonNode index() {
        return index;
    }

    JsonNode manifest() {
        return manifest;
    }

    /** The image configuration's "config" object: Entrypoint, User, Env, ExposedPorts, Labels, Volumes... */
    JsonNode runConfig() {
        return config.path("config");
    }

    JsonNode config() {
        return config;
    }

    /** The image's environment as a map (the config lists it as KEY=value strings). */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        runConfig().path("Env").forEach(e -> {
            String kv = e.asText();
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        });
        return env;
    }

    List<String> entrypoint() {
        List<String> entrypoint = new ArrayList<>();
        runConfig().path("Entrypoint").forEach(e -> entrypoint.add(e.asText()));
        return entrypoint;
    }

    /**
     * Unpacks the layers, lowest first, into root, keeping file modes (the runtime's executables must stay
     * executable). Returns each path's mode as the image records it, keyed by its absolute path in the image.
     */
    Map<String, Integer> unpack(Path root) throws IOException {
        Map<String, Integer> modes = new HashMap<>();
        for (JsonNode layer : manifest.path("layers")) {
            try (InputStream layerTar = new GzipCompressorInputStream(blob(tar, layer.path("digest").asText()));
                 TarArchiveInputStream in = new TarArchiveInputStream(layerTar)) {
                TarArchiveEntry e;
                while ((e = in.getNextEntry()) != null) {
                    String name = e.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                    Path target = root.resolve(name).normalize();
                    if (!target.startsWith(root)) {
                        throw new IOException("layer entry outside the root: " + e.getName());
                    }
                    if (target.getFileName().toString().startsWith(".wh.")) {
                        throw new IOException("unexpected whiteout in a FROM scratch image: " + e.getName());
                    }
                    modes.put("/" + name, e.getMode() & 07777);
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (e.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.deleteIfExists(target);
                        Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                        continue;
                    } else if (e.isFile()) {
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        throw new IOException("unexpected entry type in a layer: " + e.getName());
                    }
                    Files.setPosixFilePermissions(target, permissions(e.getMode() | 0600));
                }
            }
        }
        return modes;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    private static InputStream blob(Path tar, String digest) throws IOException {
        if (!digest.startsWith("sha256:")) {
            throw new IOException("unexpected digest " + digest + " in " + tar);
        }
        return entry(tar, "blobs/sha256/" + digest.substring("sha256:".length()));
    }

    /** One entry of the outer archive, as a stream positioned on its bytes (closing it closes the archive). */
    private static InputStream entry(Path tar, String name) throws IOException {
        TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)));
        TarArchiveEntry e;
        while ((e = in.getNextEntry()) != null) {
            if (e.getName().replaceFirst("^\\./", "").equals(name)) {
                return in;
            }
        }
        in.close();
        throw new IOException(tar + " has no entry " + name);
    }
}
