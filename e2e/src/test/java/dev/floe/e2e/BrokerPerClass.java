package dev.floe.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** One packaged broker per test class; a failing test prints the tail of the broker's log. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(BrokerPerClass.PrintLogOnFailure.class)
abstract class BrokerPerClass {
    protected FloeProcess broker;

    @BeforeAll
    void startBroker() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "e2e", getClass().getSimpleName() + "-" + UUID.randomUUID()));
        broker = new FloeProcess(work, brokerEnvironment()).start();
    }

    /** FLOE_* settings a test class wants its broker started with. */
    protected java.util.Map<String, String> brokerEnvironment() {
        return java.util.Map.of();
    }

    @AfterAll
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static final class PrintLogOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            context.getTestInstance().ifPresent(instance -> {
                FloeProcess broker = ((BrokerPerClass) instance).broker;
                if (broker != null) {
                    System.err.println("---- broker log tail (" + context.getDisplayName() + ") ----\n" + broker.logTail());
                }
            });
        }
    }
}
