package dev.floe.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker-log check every e2e broker goes through on close: it must see the lines Netty writes. */
class BufferErrorScanTest {

    @Test
    void findsLeakReportsAndDoubleReleasesButNothingElse(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("broker.log");
        Files.writeString(log, String.join("\n",
                "12:00:00.000 INFO  [de.fl.br.gr.Group] group g: generation 1 with 1 members",
                "12:00:01.000 ERROR [io.ne.ut.ResourceLeakDetector] LEAK: ByteBuf.release() was not called before"
                        + " it's garbage-collected.",
                "12:00:02.000 WARN  [io.ne.ut.ReferenceCountUtil] Failed to release a message: PooledUnsafeDirectByteBuf",
                "io.netty.util.IllegalReferenceCountException: refCnt: 0, decrement: 1",
                ""));
        assertThat(FloeProcess.bufferErrors(log)).hasSize(2)
                .anyMatch(l -> l.contains("LEAK:")).anyMatch(l -> l.contains("IllegalReferenceCountException"));
        assertThat(FloeProcess.bufferErrors(dir.resolve("missing.log"))).isEmpty();
    }
}
