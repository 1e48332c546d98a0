package dev.floe.tier;

import dev.floe.tier.store.LocalDirectoryObjectStore;
import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalDirectoryObjectStoreTest extends ObjectStoreContractTest {
    private ObjectStore store;

    @BeforeEach
    void open() {
        store = new LocalDirectoryObjectStore(tmp.resolve("bucket"));
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Test
    void keysCannotEscapeTheDirectory() {
        assertThatThrownBy(() -> store.put("../outside", new byte[]{1})).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("escapes");
    }
}
