#!/usr/bin/env bash
# Tiered storage on this machine: how fast sealed segments reach object storage, and how fast a consumer catches up
# from cold data (served from the bucket) versus hot data (local segments) of the same shape. Object storage is
# s3proxy (filesystem backend) in its own JVM, spoken to over HTTP with the AWS SDK, as in production. Loopback only.
#
#   bench/tiered.sh                  # 1M records of 1 KB (about 1 GB) per topic
#   RECORDS=200000 bench/tiered.sh   # quicker
#   BACKEND=file bench/tiered.sh     # a local directory as the "bucket": Floe's own cost without s3proxy's
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RECORDS=${RECORDS:-1000000}
SIZE=${SIZE:-1024}
PARTITIONS=${PARTITIONS:-4}
SEGMENT_BYTES=${SEGMENT_BYTES:-33554432}
BACKEND=${BACKEND:-s3}
HEAP=${HEAP:--Xmx1G -Xms1G}
OUT=${OUT:-$ROOT/bench/target/tiered-results.md}
WORK=$(mktemp -d /tmp/floe-tiered.XXXXXX)
LIB=$ROOT/bench/target/lib
S3LIB=$ROOT/bench/target/s3proxy-lib
PORT=19292
HTTP=18280
S3PORT=19380
FLOE_PID=
S3_PID=
log() { echo "[tiered] $*" >&2; }
cleanup() {
  for pid in $FLOE_PID $S3_PID; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -d "$LIB" ] || ./mvnw -B -q -f bench/pom.xml dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime
[ -d "$S3LIB" ] || ./mvnw -B -q -f bench/s3proxy/pom.xml dependency:copy-dependencies -DoutputDirectory="$S3LIB" -DincludeScope=runtime
[ -f broker/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -pl broker -am package -DskipTests

wait_port() {
  for _ in $(seq 1 240); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.25; done
  log "nothing listens on port $1"; return 1
}
tool() { java -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null "$@"; }
metric() { curl -s "http://127.0.0.1:$HTTP/q/metrics" | awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%.0f", s}'; }
now() { date +%s.%N; }
TICKS=$(getconf CLK_TCK)
cpu() { if [ -n "${1:-}" ]; then awk -v t="$TICKS" '{printf "%.1f", ($14 + $15) / t}' "/proc/$1/stat"; else echo 0; fi; }

if [ "$BACKEND" = s3 ]; then
cat > "$WORK/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3PORT
s3proxy.authorization=none
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/bucket-store
CONF
mkdir -p "$WORK/bucket-store"
java -cp "$S3LIB/*" org.gaul.s3proxy.Main --properties "$WORK/s3proxy.conf" > "$WORK/s3proxy.log" 2>&1 &
S3_PID=$!
wait_port $S3PORT
curl -s -X PUT "http://127.0.0.1:$S3PORT/floe-bench" > /dev/null
TIER_ENV="FLOE_TIER_BACKEND=s3 FLOE_TIER_S3_BUCKET=floe-bench FLOE_TIER_S3_ENDPOINT=http://127.0.0.1:$S3PORT"
STORE_DESC="s3proxy (filesystem) over loopback HTTP"
else
TIER_ENV="FLOE_TIER_BACKEND=file FLOE_TIER_DIR=$WORK/tier"
STORE_DESC="a local directory (FLOE_TIER_BACKEND=file)"
fi

start_floe() {
  FLOE_DATA_DIR="$WORK/floe" FLOE_KAFKA_PORT=$PORT FLOE_HTTP_PORT=$HTTP FLOE_ADVERTISED_HOST=127.0.0.1 \
    env $TIER_ENV FLOE_TIER_UPLOAD_INTERVAL_MS=$1 FLOE_RETENTION_CHECK_INTERVAL_MS=1000 \
    AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
    java $HEAP -jar broker/target/quarkus-app/quarkus-run.jar >> "$WORK/floe.log" 2>&1 &
  FLOE_PID=$!
  wait_port $PORT
}
stop_floe() { kill "$FLOE_PID"; wait "$FLOE_PID" 2>/dev/null || true; FLOE_PID=; }

produce() {
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "$1" \
    --partitions "$PARTITIONS" --replication-factor 1 --config segment.bytes=$SEGMENT_BYTES \
    --config retention.ms=-1 --config local.retention.ms="$2" --config remote.storage.enable="$3" > /dev/null
  tool org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$RECORDS" --record-size "$SIZE" \
    --throughput -1 --producer-props bootstrap.servers=127.0.0.1:$PORT acks=1 linger.ms=5 batch.size=131072 \
    | tail -1 >&2
}
consume_mbs() {
  tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:$PORT --topic "$1" \
    --messages "$RECORDS" --timeout 120000 | tail -1 | awk -F', *' '{print $4}'
}

# 1. Upload throughput: produce with uploads held back, then restart with uploads on and time the catch-up.
log "producing $RECORDS records to 'cold' with uploads held back"
start_floe 86400000
produce cold 1000 true
stop_floe
start_floe 200
t0=$(now)
log "uploading sealed segments"
while :; do
  sleep 0.5
  lag=$(metric floe_tier_upload_lag_bytes)
  uploaded=$(metric floe_tier_uploaded_bytes_total)
  if [ "${uploaded:-0}" -gt 0 ] && [ "${lag:-1}" -eq 0 ]; then break; fi
done
t1=$(now)
upload_mbs=$(awk -v b="$uploaded" -v a="$t0" -v z="$t1" 'BEGIN{printf "%.1f", b/1e6/(z-a)}')
log "uploaded $uploaded bytes in $(awk -v a="$t0" -v z="$t1" 'BEGIN{printf "%.1f", z-a}') s: $upload_mbs MB/s"

# 2. Wait until local retention has removed the uploaded segments, so the catch-up read is cold.
log "waiting for local retention to delete the uploaded segments"
for _ in $(seq 1 240); do
  local_files=$(find "$WORK/floe" -path '*cold-*' -name '*.log' | wc -l)
  [ "$local_files" -le "$PARTITIONS" ] && break
  sleep 0.5
done
cold_local=$(du -sb "$WORK/floe" | awk '{print $1}')
log "local data now $cold_local bytes; reading 'cold' from the beginning"
floe_c0=$(cpu "$FLOE_PID"); s3_c0=$(cpu "$S3_PID")
cold_mbs=$(consume_mbs cold)
floe_cold_cpu=$(awk -v a="$floe_c0" -v b="$(cpu "$FLOE_PID")" 'BEGIN{printf "%.1f", b-a}')
s3_cold_cpu=$(awk -v a="$s3_c0" -v b="$(cpu "$S3_PID")" 'BEGIN{printf "%.1f", b-a}')
remote_read=$(metric floe_tier_remote_read_bytes_total)
hits=$(metric floe_tier_cache_hits_total)
misses=$(metric floe_tier_cache_misses_total)

# 3. The same shape, all local.
log "producing $RECORDS records to 'hot' (no tiering) and reading them back"
produce hot -2 false
hot_mbs=$(consume_mbs hot)

ratio=$(awk -v c="$cold_mbs" -v h="$hot_mbs" 'BEGIN{ if (h+0 == 0) print "n/a"; else printf "%.2f", c/h }')
{
  echo "Run: \`RECORDS=$RECORDS bench/tiered.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d): $PARTITIONS partitions, $SIZE-byte records, segment.bytes=$SEGMENT_BYTES, object storage: $STORE_DESC."
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| upload throughput (sealed segments to the bucket, catch-up after restart) | $upload_mbs MB/s |"
  echo "| catch-up read, cold (from the bucket) | $cold_mbs MB/s |"
  echo "| catch-up read, hot (local segments) | $hot_mbs MB/s |"
  echo "| cold / hot | $ratio |"
  echo "| bytes read from the bucket during the cold read | $remote_read |"
  echo "| read-ahead cache hits / misses | $hits / $misses |"
  echo "| CPU seconds during the cold read: broker / object store | $floe_cold_cpu / $s3_cold_cpu |"
} | tee "$OUT"
