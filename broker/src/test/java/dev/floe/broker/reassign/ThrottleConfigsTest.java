package dev.floe.broker.reassign;

import dev.floe.broker.reassign.throttle.ThrottleRates;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleConfigsTest {
    private static final byte SET = 0;
    private static final byte DELETE = 1;

    @TempDir
    Path dir;

    private static AlterConfigsResource broker(String name, AlterableConfig... configs) {
        AlterableConfigCollection c = new AlterableConfigCollection();
        for (AlterableConfig config : configs) {
            c.add(config);
        }
        return new AlterConfigsResource().setResourceType((byte) 4).setResourceName(name).setConfigs(c);
    }

    private static AlterableConfig op(byte op, String name, String value) {
        return new AlterableConfig().setConfigOperation(op).setName(name).setValue(value);
    }

    @Test
    void theRatesTheReassignToolSetsApplyAndSurviveARestart() throws Exception {
        Path file = dir.resolve("throttle.properties");
        ThrottleRates rates = new ThrottleRates(0, file, System::nanoTime);
        AlterConfigsResource execute = broker("2", op(SET, ThrottleRates.LEADER, "1048576"),
                op(SET, ThrottleRates.FOLLOWER, "2097152"));
        assertThat(ThrottleConfigs.onlyThrottles(execute)).isTrue();
        assertThat(ThrottleConfigs.alterBroker(execute, 2, rates, false).error()).isEqualTo(Errors.NONE);
        assertThat(rates.leader().rate()).isEqualTo(1_048_576);
        assertThat(rates.follower().rate()).isEqualTo(2_097_152);

        ThrottleRates afterRestart = new ThrottleRates(0, file, System::nanoTime);
        assertThat(afterRestart.leader().rate()).isEqualTo(1_048_576);

        // --verify, once the move is done, removes them (with a config Floe never has).
        AlterConfigsResource verify = broker("2", op(DELETE, ThrottleRates.LEADER, null),
                op(DELETE, ThrottleRates.FOLLOWER, null), op(DELETE, ThrottleConfigs.LOG_DIRS_RATE, null));
        assertThat(ThrottleConfigs.alterBroker(verify, 2, afterRestart, false).error()).isEqualTo(Errors.NONE);
        assertThat(afterRestart.leader().limited()).isFalse();
        assertThat(new ThrottleRates(0, file, System::nanoTime).follower().limited()).isFalse();
    }

    @Test
    void validateOnlyChangesNothing() throws Exception {
        ThrottleRates rates = new ThrottleRates(0, null, System::nanoTime);
        assertThat(ThrottleConfigs.alterBroker(broker("2", op(SET, ThrottleRates.LEADER, "10")), 2, rates, true)
                .error()).isEqualTo(Errors.NONE);
        assertThat(rates.leader().limited()).isFalse();
    }

    @Test
    void badValuesAndOtherBrokersGetClearErrors() throws Exception {
        ThrottleRates rates = new ThrottleRates(0, null, System::nanoTime);
        ThrottleConfigs.Outcome notANumber = ThrottleConfigs.alterBroker(
                broker("2", op(SET, ThrottleRates.LEADER, "fast")), 2, rates, false);
        assertThat(notANumber.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(notANumber.message()).contains("bytes per second", "fast");
        assertThat(ThrottleConfigs.alterBroker(broker("2", op(SET, ThrottleRates.LEADER, "-1")), 2, rates, false)
                .error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(ThrottleConfigs.alterBroker(broker("3", op(SET, ThrottleRates.LEADER, "1")), 2, rates, false)
                .message()).contains("not this broker");
        ThrottleConfigs.Outcome clusterWide = ThrottleConfigs.alterBroker(
                broker("", op(SET, ThrottleRates.LEADER, "1")), 2, rates, false);
        assertThat(clusterWide.error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(clusterWide.message()).contains("spec.config");
        assertThat(ThrottleConfigs.alterBroker(broker("", op(DELETE, ThrottleRates.LEADER, null)), 2, rates, false)
                .error()).as("removing the cluster-wide default, which the tool does, is fine").isEqualTo(Errors.NONE);
        assertThat(rates.leader().limited()).isFalse();
        assertThat(ThrottleConfigs.onlyThrottles(broker("2", op(SET, "num.io.threads", "8")))).isFalse();
    }

    @Test
    void standaloneHasNothingToThrottle() {
        assertThat(ThrottleConfigs.alterBroker(broker("0", op(SET, ThrottleRates.LEADER, "1")), 0, null, false)
                .message()).contains("standalone");
        assertThat(ThrottleConfigs.alterBroker(broker("0", op(DELETE, ThrottleRates.LEADER, null)), 0, null, false)
                .error()).isEqualTo(Errors.NONE);
    }
}
