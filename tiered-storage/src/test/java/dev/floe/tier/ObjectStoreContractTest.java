package dev.floe.tier;

import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every object store must do; each backend runs this suite against a real instance. */
public abstract class ObjectStoreContractTest {

    @TempDir
    Path tmp;

    protected abstract ObjectStore store();

    @Test
    void putThenGetReturnsTheSameBytes() throws Exception {
        Path file = tmp.resolve("f");
        Files.write(file, "from a file".getBytes(StandardCharsets.UTF_8));
        store().put("a/b/file.log", file);
        store().put("a/b/bytes.json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(store().get("a/b/file.log"), StandardCharsets.UTF_8)).isEqualTo("from a file");
        assertThat(store().get("a/b/bytes.json")).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rangedGetsReturnTheRangeAndStopAtTheEnd() {
        byte[] bytes = new byte[1000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        store().put("r/obj", bytes);
        assertThat(store().getRange("r/obj", 100, 10)).containsExactly(100, 101, 102, 103, 104, 105, 106, 107, 108, 109);
        assertThat(store().getRange("r/obj", 995, 100)).hasSize(5);
    }

    @Test
    void listReturnsEveryKeyUnderAPrefixAcrossPages() {
        IntStream.range(0, 1050).forEach(i -> store().put(String.format("many/%05d", i), new byte[]{1}));
        store().put("manyother/x", new byte[]{1});
        List<ObjectStore.ObjectInfo> listed = store().list("many/");
        assertThat(listed).hasSize(1050);
        assertThat(listed.get(0).key()).isEqualTo("many/00000");
        assertThat(listed.get(0).size()).isEqualTo(1);
    }

    @Test
    void listFindsSegmentKeysByTopicAndPartitionPrefix() {
        String dir = "e2e/cold-6dc4CFEqQ_STfe0skTduYQ/0/";
        store().put(dir + "00000000000000000000.log", new byte[10]);
        store().put(dir + "00000000000000000000.manifest.json", new byte[]{'{', '}'});
        assertThat(store().list(dir)).hasSize(2);
        assertThat(store().list("e2e/cold-")).hasSize(2);
        assertThat(store().list("e2e/")).hasSize(2);
    }

    @Test
    void listPrefixesGivesTheNextLevel() {
        store().put("c/t1-x/0/a", new byte[]{1});
        store().put("c/t1-x/1/a", new byte[]{1});
        store().put("c/t2-y/0/a", new byte[]{1});
        assertThat(store().listPrefixes("c/")).containsExactly("t1-x", "t2-y");
        assertThat(store().listPrefixes("c/t1-x/")).containsExactly("0", "1");
    }

    @Test
    void deleteRemovesObjects() {
        store().put("d/1", new byte[]{1});
        store().put("d/2", new byte[]{2});
        store().delete(List.of("d/1", "d/2"));
        assertThat(store().list("d/")).isEmpty();
    }

    @Test
    void readingAMissingObjectIsAClearError() {
        assertThatThrownBy(() -> store().get("nope/missing")).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("nope/missing");
    }
}
