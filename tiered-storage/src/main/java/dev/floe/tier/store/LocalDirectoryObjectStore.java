package dev.floe.tier.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Objects as files under a root directory (the standalone default, and a bucket you can inspect with ls).
 * Writes go to a temporary file renamed into place, so a reader sees a whole object or none.
 */
public final class LocalDirectoryObjectStore implements ObjectStore {
    private final Path root;
    private final UploadThrottle throttle;

    public LocalDirectoryObjectStore(Path root) {
        this(root, UploadThrottle.unlimited());
    }

    public LocalDirectoryObjectStore(Path root, UploadThrottle throttle) {
        this.throttle = throttle;
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot create object-store directory " + this.root + ": " + e.getMessage(), e);
        }
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new ObjectStoreException("object key '" + key + "' escapes the store directory " + root);
        }
        return p;
    }

    @Override
    public void put(String key, Path file) {
        Path target = path(key);
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            if (throttle.limited()) {
                try (var in = new ThrottledInputStream(Files.newInputStream(file), throttle)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot write " + key + " to " + root + ": " + e, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) {
        Path target = path(key);
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot write " + key + " to " + root + ": " + e, e);
        }
    }

    @Override
    public byte[] get(String key) {
        try {
            return Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            throw new ObjectStoreException("object " + key + " does not exist in " + root, e);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + " from " + root + ": " + e, e);
        }
    }

    @Override
    public byte[] getRange(String key, long offset, int length) {
        try (RandomAccessFile file = new RandomAccessFile(path(key).toFile(), "r")) {
            int n = (int) Math.max(0, Math.min(length, file.length() - offset));
            byte[] out = new byte[n];
            file.seek(offset);
            file.readFully(out);
            return out;
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + " [" + offset + ", +" + length + ") from " + root + ": " + e, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String key = root.relativize(file).toString().replace('\\', '/');
                    if (key.startsWith(prefix) && !file.getFileName().toString().startsWith(".")) {
                        out.add(new ObjectInfo(key, attrs.size()));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new ObjectStoreException("cannot list " + prefix + " in " + root + ": " + e, e);
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        TreeSet<String> names = new TreeSet<>();
        for (ObjectInfo info : list(prefix)) {
            String rest = info.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                names.add(rest.substring(0, slash));
            }
        }
        return new ArrayList<>(names);
    }

    @Override
    public void delete(Collection<String> keys) {
        for (String key : keys) {
            try {
                Files.deleteIfExists(path(key));
            } catch (IOException e) {
                throw new ObjectStoreException("cannot delete " + key + " from " + root + ": " + e, e);
            }
        }
    }

    @Override
    public String describe() {
        return "directory " + root;
    }
}
