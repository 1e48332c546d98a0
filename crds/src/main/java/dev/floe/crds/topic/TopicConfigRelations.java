package dev.floe.crds.topic;

import java.util.Map;

/** The checks Kafka makes between topic configs, with Kafka's messages; every value here is already valid. */
final class TopicConfigRelations {
    private TopicConfigRelations() {
    }

    /** Null when {@code effective} (every config with a value) is consistent. */
    static String problem(Map<String, String> effective) {
        long minLag = number(effective, TopicConfigCatalog.MIN_COMPACTION_LAG_MS);
        long maxLag = number(effective, TopicConfigCatalog.MAX_COMPACTION_LAG_MS);
        if (minLag > maxLag) {
            return "conflict topic config setting " + TopicConfigCatalog.MIN_COMPACTION_LAG_MS + " (" + minLag + ") > "
                    + TopicConfigCatalog.MAX_COMPACTION_LAG_MS + " (" + maxLag + ")";
        }
        if (!flag(effective, TopicConfigCatalog.REMOTE_STORAGE_ENABLE)) {
            return null;
        }
        String size = localAgainstTotal(effective, TopicConfigCatalog.LOCAL_RETENTION_BYTES, TopicConfigCatalog.RETENTION_BYTES);
        if (size != null) {
            return size;
        }
        String time = localAgainstTotal(effective, TopicConfigCatalog.LOCAL_RETENTION_MS, TopicConfigCatalog.RETENTION_MS);
        if (time != null) {
            return time;
        }
        if (flag(effective, TopicConfigCatalog.REMOTE_LOG_COPY_DISABLE)) {
            for (String[] pair : new String[][]{{TopicConfigCatalog.LOCAL_RETENTION_BYTES, TopicConfigCatalog.RETENTION_BYTES},
                    {TopicConfigCatalog.LOCAL_RETENTION_MS, TopicConfigCatalog.RETENTION_MS}}) {
                long local = number(effective, pair[0]);
                if (local != -2 && local != number(effective, pair[1])) {
                    return "When `remote.log.copy.disable` is set to true, the `" + pair[0] + "` and `" + pair[1]
                            + "` must be set to the identical value because there will be no more logs copied to the"
                            + " remote storage.";
                }
            }
        }
        return null;
    }

    /** Local retention of a tiered topic may not exceed its total retention (-1 = forever, -2 = same as total). */
    private static String localAgainstTotal(Map<String, String> effective, String localName, String totalName) {
        long total = number(effective, totalName);
        long local = number(effective, localName);
        if (total == -1 || local == -2) {
            return null;
        }
        if (local == -1) {
            return "Invalid value -1 for configuration " + localName + ": Value must not be -1 as " + totalName
                    + " value is set as " + total + ".";
        }
        if (local > total) {
            return "Invalid value " + local + " for configuration " + localName + ": Value must not be more than "
                    + totalName + " property value: " + total;
        }
        return null;
    }

    private static long number(Map<String, String> effective, String name) {
        return Long.parseLong(effective.get(name).trim());
    }

    private static boolean flag(Map<String, String> effective, String name) {
        return Boolean.parseBoolean(effective.get(name).trim());
    }
}
