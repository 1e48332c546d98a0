package dev.floe.tier.replay;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/** The replay command's arguments, parsed and checked, with a usage text for mistakes. */
record ReplayOptions(String store, Optional<URI> endpoint, String region, boolean pathStyle, String cluster,
                     String topic, Optional<Integer> partition, long fromOffset, long toOffset, long fromTime,
                     long toTime, Optional<String> produceTo, Optional<String> bootstrapServers) {

    static final String USAGE = """
            usage: floe-replay --store file:///dir | s3://bucket [--endpoint URL] [--region R] [--path-style]
                               --cluster NAME --topic TOPIC [--partition N]
                               [--from-offset O] [--to-offset O] [--from-time T] [--to-time T]
                               [--produce-to TOPIC --bootstrap-server HOST:PORT]
            Reads a topic's tiered segments straight from object storage, with no broker running, and prints one
            JSON object per record (NDJSON) or produces the records into TOPIC of any Kafka-compatible cluster.
            Offsets are inclusive; times are ISO-8601 (2026-01-31T12:00:00Z) or epoch milliseconds.
            S3 credentials come from the AWS default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles).""";

    static ReplayOptions parse(String[] args) {
        String store = null;
        String endpoint = null;
        String region = "us-east-1";
        boolean pathStyle = false;
        String cluster = null;
        String topic = null;
        Integer partition = null;
        long fromOffset = 0;
        long toOffset = Long.MAX_VALUE;
        long fromTime = Long.MIN_VALUE;
        long toTime = Long.MAX_VALUE;
        String produceTo = null;
        String bootstrap = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("replay")) {
                continue;
            }
            if (a.equals("--path-style")) {
                pathStyle = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--store" -> store = v;
                case "--endpoint" -> endpoint = v;
                case "--region" -> region = v;
                case "--cluster" -> cluster = v;
                case "--topic" -> topic = v;
                case "--partition" -> partition = Integer.parseInt(v);
                case "--from-offset" -> fromOffset = Long.parseLong(v);
                case "--to-offset" -> toOffset = Long.parseLong(v);
                case "--from-time" -> fromTime = time(v);
                case "--to-time" -> toTime = time(v);
                case "--produce-to" -> produceTo = v;
                case "--bootstrap-server" -> bootstrap = v;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (store == null || cluster == null || topic == null) {
            throw new IllegalArgumentException("--store, --cluster and --topic are required");
        }
        if (produceTo != null && bootstrap == null) {
            throw new IllegalArgumentException("--produce-to needs --bootstrap-server");
        }
        return new ReplayOptions(store, Optional.ofNullable(endpoint).map(URI::create), region, pathStyle, cluster, topic,
                Optional.ofNullable(partition), fromOffset, toOffset, fromTime, toTime, Optional.ofNullable(produceTo),
                Optional.ofNullable(bootstrap));
    }

    private static long time(String v) {
        return v.chars().allMatch(Character::isDigit) ? Long.parseLong(v) : Instant.parse(v).toEpochMilli();
    }
}
