#!/usr/bin/env bash
# Broker start-up on many segments, Floe beside Apache Kafka on the same data: a topic of PARTITIONS partitions is
# created on each broker, the broker is stopped cleanly, SEGMENTS_PER_PARTITION small segments (Kafka's on-disk
# format, written by bench/src/SegmentWriter.java) replace each partition's log, and the broker is started again.
# Reports the time from process start until the broker answers a ListOffsets for every partition, and its RSS then.
# Loopback only.
#
#   bench/startup.sh                                     # 2,000 partitions x 25 segments = 50,000 segments
#   PARTITIONS=500 SEGMENTS_PER_PARTITION=20 bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PARTITIONS=${PARTITIONS:-2000}
SEGMENTS_PER_PARTITION=${SEGMENTS_PER_PARTITION:-25}
HEAP=${HEAP:--Xmx1G -Xms1G}
OUT=${OUT:-$ROOT/bench/target/startup-results.md}
WORK=$(mktemp -d /tmp/floe-startup.XXXXXX)
LIB=$ROOT/bench/target/lib
PORT=19492
BROKER_PID=
TOPIC=startup
log() { echo "[startup] $*" >&2; }
stop_broker() {
  if [ -n "${BROKER_PID:-}" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
  fi
  BROKER_PID=
}
trap 'stop_broker; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT   # KEEP_WORK=1 keeps the logs and data

if [ ! -d "$LIB" ]; then
  log "fetching Apache Kafka jars from Maven Central"
  ./mvnw -B -q -f bench/pom.xml dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime
fi
if [ ! -f broker/target/quarkus-app/quarkus-run.jar ]; then
  log "building the Floe broker"
  ./mvnw -B -q -pl broker -am package -DskipTests
fi
tool() { java -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null "$@"; }

launch_floe() {
  FLOE_DATA_DIR="$WORK/floe" FLOE_KAFKA_PORT=$PORT FLOE_HTTP_PORT=18480 FLOE_ADVERTISED_HOST=127.0.0.1 \
    QUARKUS_LOG_LEVEL=WARN java $HEAP -jar broker/target/quarkus-app/quarkus-run.jar >> "$WORK/floe.log" 2>&1 &
  BROKER_PID=$!
}

launch_kafka() {
  if [ ! -f "$WORK/kafka.properties" ]; then
    cat > "$WORK/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:19493
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:19493
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$WORK/kafka
offsets.topic.replication.factor=1
num.partitions=1
PROPS
    tool kafka.tools.StorageTool format -t "$(tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
      -c "$WORK/kafka.properties" --standalone > "$WORK/kafka-format.log" 2>&1
  fi
  java $HEAP -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null kafka.Kafka "$WORK/kafka.properties" >> "$WORK/kafka.log" 2>&1 &
  BROKER_PID=$!
}

# Wait until ListOffsets answers for every partition of the topic; prints the elapsed milliseconds.
await_all_partitions() {
  local started=$1
  for _ in $(seq 1 600); do
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then echo "failed"; return 0; fi
    if out=$(tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server 127.0.0.1:$PORT --topic "$TOPIC" \
        --time -1 2>/dev/null) && [ "$(echo "$out" | grep -c ":")" -ge "$PARTITIONS" ]; then
      echo $(( ($(date +%s%N) - started) / 1000000 ))
      return 0
    fi
    sleep 0.2
  done
  echo "timeout"
}

wait_port() {
  for _ in $(seq 1 600); do
    (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
    sleep 0.2
  done
  log "broker did not open port $PORT"; return 1
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$BROKER_PID/status" 2>/dev/null || echo "n/a"; }

run() {
  local broker=$1
  mkdir -p "$WORK/$broker"
  "launch_$broker"
  wait_port
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "$TOPIC" \
    --partitions "$PARTITIONS" --replication-factor 1 > /dev/null 2>&1 || true
  await_all_partitions "$(date +%s%N)" > /dev/null
  stop_broker
  java -cp "$LIB/*" bench/src/SegmentWriter.java "$WORK/$broker" "$TOPIC" "$PARTITIONS" "$SEGMENTS_PER_PARTITION"
  local started ms rss
  started=$(date +%s%N)
  "launch_$broker"
  ms=$(await_all_partitions "$started")
  rss=$(rss_mb)
  if [ "$ms" = "failed" ] || [ "$ms" = "timeout" ]; then
    log "$broker did not start on the segments ($ms); last lines of its log:"
    grep -E "ERROR|Exception" "$WORK/$broker.log" | head -5 >&2 || true
  fi
  stop_broker
  log "$broker: ready in $ms ms, RSS $rss MB"
  echo "$ms $rss"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0 || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "n/a"; else printf "%.2f", a/b }'; }
read -r floe_ms floe_rss <<< "$(run floe)"
read -r kafka_ms kafka_rss <<< "$(run kafka)"
{
  echo "Run: \`PARTITIONS=$PARTITIONS SEGMENTS_PER_PARTITION=$SEGMENTS_PER_PARTITION bench/startup.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d), open-files limit $(ulimit -n), Apache Kafka ${KAFKA_VERSION:-4.3.1}."
  echo
  echo "| segments | ready in ms Floe / Kafka (ratio) | RSS MB Floe / Kafka (ratio) |"
  echo "|---|---|---|"
  echo "| $((PARTITIONS * SEGMENTS_PER_PARTITION)) | $floe_ms / $kafka_ms ($(ratio "$floe_ms" "$kafka_ms")) | $floe_rss / $kafka_rss ($(ratio "$floe_rss" "$kafka_rss")) |"
} | tee "$OUT"
