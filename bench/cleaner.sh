#!/usr/bin/env bash
# Floe's log cleaner versus Apache Kafka's, in one run, on the same data: how fast each cleans (MB/s) and what a
# fixed-rate producer on another topic sees while it does (throughput, p50/p99/p99.9 latency), against a baseline of
# the same producer with no cleaning. Each broker in turn, same heap, loopback, bench/src/CleanerLoad.java for load.
#
#   bench/cleaner.sh                    # 1000 MB of 1 KB updates over 100k keys
#   MB=200 bench/cleaner.sh             # quicker
#
# Per broker: (1) fill a single-partition compacted topic (segment.bytes $SEGMENT) that cannot be cleaned yet
# (min.compaction.lag.ms one day) with acks=1; (2) baseline: the fixed-rate producer alone for BASELINE_S seconds;
# (3) make the topic cleanable (min.compaction.lag.ms=0 by incrementalAlterConfigs) with the fixed-rate producer
# running, until the broker's cleaner-offset-checkpoint reaches the active segment. MB/s cleaned = bytes of the
# sealed segments before the clean / seconds from the config change to the checkpoint, for both brokers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MB=${MB:-1000}                 # megabytes of updates in the compacted topic
KEYS=${KEYS:-100000}           # key space of the updates
SIZE=${SIZE:-1024}             # value size, bytes
SEGMENT=${SEGMENT:-16777216}   # segment.bytes of the compacted topic
RATE=${RATE:-2000}             # records/s of the fixed-rate producer (SIZE bytes each)
BASELINE_S=${BASELINE_S:-30}   # seconds of the baseline
TIMEOUT_S=${TIMEOUT_S:-900}    # give up on a clean after this long
BACKOFF_MS=${BACKOFF_MS:-1000} # both cleaners look for work this often (both default to 15 s)
BROKERS=${BROKERS:-"floe kafka"}
OUT=${OUT:-$ROOT/bench/target/cleaner.md}
LOGS=$ROOT/bench/target/cleaner-logs
WORK=$(mktemp -d /tmp/floe-cleaner-bench.XXXXXX)
trap 'stop_broker; rm -rf "$WORK"' EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# Broker logs go to files at WARN, the cleaners' own one-line-per-clean summaries at INFO (a cross-check).
FLOE_ENV="FLOE_LOG_CLEANER_BACKOFF_MS=$BACKOFF_MS QUARKUS_LOG_LEVEL=WARN QUARKUS_LOG_CATEGORY__DEV_FLOE_BROKER_CLEANER__LEVEL=INFO"
KAFKA_PROPS="log.cleaner.backoff.ms=$BACKOFF_MS"
# The Kafka jars resolve slf4j-api 1.7 beside a 2.x binding, which logs nothing; slf4j-api 2 first makes
# reload4j log, to a file.
if [ ! -f "$ROOT/bench/target/lib-log/slf4j-api-2.0.17.jar" ]; then
  ./mvnw -B -q -f bench/pom.xml dependency:copy -Dartifact=org.slf4j:slf4j-api:2.0.17 -DoutputDirectory="$ROOT/bench/target/lib-log"
fi
KAFKA_CP="$ROOT/bench/target/lib-log/*:$LIB/*"
KAFKA_LOG4J=$WORK/kafka-log4j.properties
cat > "$KAFKA_LOG4J" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$WORK/kafka-broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.org.apache.kafka.storage.internals.log.LogCleaner=INFO
log4j.logger.org.apache.kafka.storage.internals.log.LogCleaner\$CleanerThread=INFO
PROPS
load() { java -Xmx1g -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null bench/src/CleanerLoad.java "$@" 2>>"$WORK/load.err"; }

declare -A R
for broker in $BROKERS; do
  log "starting $broker"
  "start_$broker"
  bootstrap=127.0.0.1:$PORT
  read -r records fill_s fill_mbs <<< "$(load fill "$bootstrap" compacted "$MB" "$KEYS" "$SIZE" "$SEGMENT" | tail -1)"
  log "$broker: filled $records records in $fill_s s ($fill_mbs MB/s)"
  sync  # the fill's dirty pages written back, so neither measurement pays for them
  R[$broker,base]=$(load baseline "$bootstrap" rate-baseline "$RATE" "$SIZE" "$BASELINE_S" | tail -1)
  log "$broker baseline (mbs p50 p99 p99.9 acked errors): ${R[$broker,base]}"
  sync
  R[$broker,clean]=$(load clean "$bootstrap" compacted "$WORK/$broker" rate-cleaning "$RATE" "$SIZE" "$TIMEOUT_S" "$BROKER_PID" | tail -1)
  log "$broker cleaning (dirty_bytes s MB/s bytes_after segments_before segments_after cpu_s mbs p50 p99 p99.9 acked errors): ${R[$broker,clean]}"
  if [ "$broker" = floe ]; then
    curl -s "http://127.0.0.1:$FLOE_HTTP_PORT/q/metrics" | grep -E '^floe_cleaner_(bytes|cleans)' >&2 || true
  fi
  stop_broker
  mkdir -p "$LOGS"
  cp "$WORK"/*.log "$WORK/load.err" "$LOGS/" 2>/dev/null || true
  grep -h -E "cleaned up to offset|Log cleaner thread|Cleaned |Start size|End size|Buffer utilization" "$WORK/$broker.log" "$WORK/kafka-broker.log" 2>/dev/null \
    | sed "s/^/[$broker log] /" >&2 || true
  rm -rf "${WORK:?}/$broker"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
{
  echo "Run on $(nproc) cores, $(date -u +%Y-%m-%d), Apache Kafka ${KAFKA_VERSION:-4.3.1}: \`MB=$MB KEYS=$KEYS SIZE=$SIZE SEGMENT=$SEGMENT RATE=$RATE BASELINE_S=$BASELINE_S BACKOFF_MS=$BACKOFF_MS bench/cleaner.sh\`."
  echo
  echo "| | Floe | Kafka | Floe / Kafka |"
  echo "|---|---|---|---|"
  read -r fd fs fm fa fsb fsa fc fr f50 f99 f999 fn fe <<< "${R[floe,clean]:-}"
  read -r kd ks km ka ksb ksa kc kr k50 k99 k999 kn ke <<< "${R[kafka,clean]:-}"
  read -r fbr fb50 fb99 fb999 fbn fbe <<< "${R[floe,base]:-}"
  read -r kbr kb50 kb99 kb999 kbn kbe <<< "${R[kafka,base]:-}"
  mb() { awk -v b="$1" 'BEGIN{printf "%.0f", b/1e6}'; }
  echo "| dirty MB before, in sealed segments | $(mb "$fd") in $fsb | $(mb "$kd") in $ksb | |"
  echo "| MB after the clean, in segments | $(mb "$fa") in $fsa | $(mb "$ka") in $ksa | |"
  echo "| seconds to clean | $fs | $ks | $(ratio "$fs" "$ks") |"
  echo "| MB/s cleaned | $fm | $km | $(ratio "$fm" "$km") |"
  echo "| broker CPU-seconds during the clean (with the fixed-rate load) | $fc | $kc | $(ratio "$fc" "$kc") |"
  echo "| fixed-rate producer MB/s: baseline / while cleaning | $fbr / $fr | $kbr / $kr | |"
  echo "| fixed-rate p50 ms: baseline / while cleaning | $fb50 / $f50 | $kb50 / $k50 | |"
  echo "| fixed-rate p99 ms: baseline / while cleaning (ratio) | $fb99 / $f99 ($(ratio "$f99" "$fb99")) | $kb99 / $k99 ($(ratio "$k99" "$kb99")) | |"
  echo "| fixed-rate p99.9 ms: baseline / while cleaning (ratio) | $fb999 / $f999 ($(ratio "$f999" "$fb999")) | $kb999 / $k999 ($(ratio "$k999" "$kb999")) | |"
  echo "| records acknowledged (errors): baseline / while cleaning | $fbn ($fbe) / $fn ($fe) | $kbn ($kbe) / $kn ($ke) | |"
} | tee "$OUT"
log "results in $OUT; broker and load logs in $LOGS"
