#!/usr/bin/env bash
# Tiered storage on this machine: how fast sealed segments reach object storage, how fast a consumer catches up
# from cold data (served from the bucket) versus hot data (local segments) of the same shape, and what uploads cost
# produce. Object storage is s3proxy (filesystem backend, logging at WARN) in its own JVM, spoken to over HTTP with
# the AWS SDK, as in production. Loopback only. Every figure is also reported as a ratio of a baseline measured in
# the same run on the same store: a plain AWS SDK client's sequential PUTs and ranged GETs of segment-sized objects
# (PlainS3Baseline), hot reads, and produce to a topic without tiering.
#
#   bench/tiered.sh                  # 300k records of 1 KB (about 300 MB) per topic, a few minutes here
#   RECORDS=1000000 bench/tiered.sh  # longer
#   BACKEND=file bench/tiered.sh     # a local directory as the "bucket": Floe's own cost without s3proxy's
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RECORDS=${RECORDS:-300000}
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
# PlainS3Baseline lives in tiered-storage's test classes; its runtime (the AWS SDK) is copied by the package phase.
[ -d tiered-storage/target/lib ] && [ -d tiered-storage/target/test-classes ] \
  || ./mvnw -B -q -pl tiered-storage -am install -DskipTests

wait_port() {
  for _ in $(seq 1 240); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.25; done
  log "nothing listens on port $1"; return 1
}
tool() { java -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null "$@"; }
metric() { curl -s "http://127.0.0.1:$HTTP/q/metrics" | awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%.0f", s}'; }
metricf() { curl -s "http://127.0.0.1:$HTTP/q/metrics" | awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%.2f", s}'; }
# Sum of one labelled series family, e.g. fetch_metric floe_kafka_requests_seconds_count (api="Fetch" only).
fetch_metric() { curl -s "http://127.0.0.1:$HTTP/q/metrics" | awk -v m="$1" 'index($1, m "{") == 1 && $1 ~ /api="Fetch"/ {s += $2} END {printf "%.4f", s}'; }
# "N fetches, M ms mean in the broker" between two "count sum" snapshots.
fetch_summary() { awk -v c0="$1" -v s0="$2" -v c1="$3" -v s1="$4" 'BEGIN {n = c1 - c0; if (n <= 0) print "none"; else printf "%d fetches, %.1f ms mean", n, (s1 - s0) * 1000 / n}'; }
now() { date +%s.%N; }
TICKS=$(getconf CLK_TCK)
cpu() { if [ -n "${1:-}" ]; then awk -v t="$TICKS" '{printf "%.1f", ($14 + $15) / t}' "/proc/$1/stat"; else echo 0; fi; }
# CPU seconds of the whole machine (all processes, user + system), to see what the processes we start leave to others.
machine_cpu() { awk -v t="$TICKS" '/^cpu / {printf "%.1f", ($2 + $3 + $4 + $7 + $8) / t}' /proc/stat; }
# Per-thread CPU ticks of a process, "tid name ticks" (thread names as the kernel has them, 15 characters).
thread_ticks() { for d in /proc/"$1"/task/*; do printf '%s %s %s\n' "${d##*/}" "$(tr ' ' '_' < "$d/comm")" \
  "$(awk '{print $14 + $15}' "$d/stat" 2>/dev/null || echo 0)"; done; }
# The threads of a process that used the most CPU between two thread_ticks files, summed by name.
# Threads started in between count from zero.
thread_cpu_diff() { awk -v t="$TICKS" 'NR == FNR {b[$1] = $3; next} {d[$2] += ($3 - b[$1]) / t} END {for (n in d) if (d[n] >= 0.05) printf "%.2f %s\n", d[n], n}' "$1" "$2" | sort -rn | head -14; }

if [ "$BACKEND" = s3 ]; then
cat > "$WORK/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3PORT
s3proxy.authorization=none
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/bucket-store
CONF
mkdir -p "$WORK/bucket-store"
# s3proxy's built-in logback configuration logs every request at DEBUG, which cost it more CPU than the requests.
java -Dlogback.configurationFile="$ROOT/bench/s3proxy-logback.xml" -cp "$S3LIB/*" org.gaul.s3proxy.Main \
  --properties "$WORK/s3proxy.conf" > "$WORK/s3proxy.log" 2>&1 &
S3_PID=$!
wait_port $S3PORT
curl -s -X PUT "http://127.0.0.1:$S3PORT/floe-bench" > /dev/null
curl -s -X PUT "http://127.0.0.1:$S3PORT/floe-baseline" > /dev/null
# 0. The baseline: a plain SDK client on the same store, objects the size of a segment, about a third of the data.
BASE_COUNT=$(( RECORDS * SIZE / SEGMENT_BYTES / 3 + 2 ))
log "baseline: $BASE_COUNT plain PUTs of $SEGMENT_BYTES bytes, then ranged GETs of 1 MiB and 8 MiB"
java -Xmx512m -cp "$ROOT/tiered-storage/target/test-classes:$ROOT/tiered-storage/target/lib/*" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.floe.tier.bench.PlainS3Baseline \
  "http://127.0.0.1:$S3PORT" floe-baseline "$SEGMENT_BYTES" "$BASE_COUNT" 1048576 8388608 > "$WORK/baseline.txt"
base_put=$(awk -F= '/^put_mbs=/{print $2}' "$WORK/baseline.txt")
base_get1=$(awk -F= '/^get_mbs_1048576=/{print $2}' "$WORK/baseline.txt")
base_get8=$(awk -F= '/^get_mbs_8388608=/{print $2}' "$WORK/baseline.txt")
log "plain client: PUT $base_put MB/s, ranged GET $base_get1 MB/s (1 MiB) / $base_get8 MB/s (8 MiB)"
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

produce_mbs=
produce() {
  local records=${4:-$RECORDS}
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "$1" \
    --partitions "$PARTITIONS" --replication-factor 1 --config segment.bytes=$SEGMENT_BYTES \
    --config retention.ms=-1 --config local.retention.ms="$2" --config remote.storage.enable="$3" > /dev/null
  tool org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$records" --record-size "$SIZE" \
    --throughput -1 --producer-props bootstrap.servers=127.0.0.1:$PORT acks=1 linger.ms=5 batch.size=131072 \
    | tail -1 > "$WORK/produce.txt"
  cat "$WORK/produce.txt" >&2
  # "N records sent, R records/sec (X MB/sec), ..."
  produce_mbs=$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' "$WORK/produce.txt")
}
# MB/s of a catch-up read of topic $1 ($2 records, default RECORDS); the consumer's own CPU seconds (user + system,
# from the shell's accounting of its children) go to $WORK/consumer-cpu.
consume_mbs() {
  ( tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:$PORT --topic "$1" \
      --messages "${2:-$RECORDS}" --timeout 120000 | tail -1 | awk -F', *' '{print $4}' > "$WORK/consume.txt"
    times > "$WORK/times" )  # not piped: a pipeline would run `times` in a new subshell with no children
  awk 'NR == 2 {n = split($0, f, " "); s = 0; for (i = 1; i <= n; i++) {split(f[i], a, "m"); s += a[1] * 60 + a[2]}; printf "%.1f", s}' \
    "$WORK/times" > "$WORK/consumer-cpu"
  cat "$WORK/consume.txt"
}
# A warm-up topic of a fifth of the records, read from the bucket before the measured cold read, so the broker's JIT
# has compiled the cold path (as in a broker that has been serving for a while). WARM=0 measures the first read.
WARM=${WARM:-1}
WARM_RECORDS=$(( RECORDS / 5 ))

# 1. Upload throughput: produce with uploads held back, then restart with uploads on and time the catch-up.
log "producing $RECORDS records to 'cold' with uploads held back"
start_floe 86400000
produce cold 1000 true
[ "$WARM" = 1 ] && produce warm 1000 true "$WARM_RECORDS"
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
  local_files=$(find "$WORK/floe" \( -path '*cold-*' -o -path '*warm-*' \) -name '*.log' | wc -l)
  [ "$local_files" -le $(( PARTITIONS * (WARM + 1) )) ] && break
  sleep 0.5
done
cold_local=$(du -sb "$WORK/floe" | awk '{print $1}')
if [ "$WARM" = 1 ]; then
  log "warm-up: reading 'warm' ($WARM_RECORDS records) from the bucket"
  log "warm-up read: $(consume_mbs warm "$WARM_RECORDS") MB/s"
fi
log "local data now $cold_local bytes; reading 'cold' from the beginning"
floe_c0=$(cpu "$FLOE_PID"); s3_c0=$(cpu "$S3_PID"); machine_c0=$(machine_cpu)
fc0=$(fetch_metric floe_kafka_requests_seconds_count); fs0=$(fetch_metric floe_kafka_requests_seconds_sum)
thread_ticks "$FLOE_PID" > "$WORK/threads-before"
# PROFILE=1: a JFR recording of the broker during the cold read, for `jfr print --events jdk.ExecutionSample`.
[ -n "${PROFILE:-}" ] && jcmd "$FLOE_PID" JFR.start name=cold settings=profile filename="$ROOT/bench/target/cold-read.jfr" >&2
cold_mbs=$(consume_mbs cold)
consumer_cold_cpu=$(cat "$WORK/consumer-cpu")
cold_fetches=$(fetch_summary "$fc0" "$fs0" "$(fetch_metric floe_kafka_requests_seconds_count)" "$(fetch_metric floe_kafka_requests_seconds_sum)")
[ -n "${PROFILE:-}" ] && jcmd "$FLOE_PID" JFR.stop name=cold >&2
floe_cold_cpu=$(awk -v a="$floe_c0" -v b="$(cpu "$FLOE_PID")" 'BEGIN{printf "%.1f", b-a}')
s3_cold_cpu=$(awk -v a="$s3_c0" -v b="$(cpu "$S3_PID")" 'BEGIN{printf "%.1f", b-a}')
machine_cold_cpu=$(awk -v a="$machine_c0" -v b="$(machine_cpu)" 'BEGIN{printf "%.1f", b-a}')
thread_ticks "$FLOE_PID" > "$WORK/threads-after"
cold_threads=$(thread_cpu_diff "$WORK/threads-before" "$WORK/threads-after" | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')
log "broker threads during the cold read (CPU seconds): $cold_threads"
remote_read=$(metric floe_tier_remote_read_bytes_total)
hits=$(metric floe_tier_cache_hits_total)
misses=$(metric floe_tier_cache_misses_total)
waits=$(metric floe_tier_cache_inflight_wait_seconds_count)
waited=$(metricf floe_tier_cache_inflight_wait_seconds_sum)
gets=$(metric floe_tier_get_latency_seconds_count)
get_secs=$(metricf floe_tier_get_latency_seconds_sum)

# 3. The same shape, all local: hot reads, and produce with no tiering at all.
log "producing $RECORDS records to 'hot' (no tiering) and reading them back"
produce hot -2 false
hot_produce_mbs=$produce_mbs
floe_h0=$(cpu "$FLOE_PID"); machine_h0=$(machine_cpu)
fc0=$(fetch_metric floe_kafka_requests_seconds_count); fs0=$(fetch_metric floe_kafka_requests_seconds_sum)
thread_ticks "$FLOE_PID" > "$WORK/threads-before"
hot_mbs=$(consume_mbs hot)
consumer_hot_cpu=$(cat "$WORK/consumer-cpu")
hot_fetches=$(fetch_summary "$fc0" "$fs0" "$(fetch_metric floe_kafka_requests_seconds_count)" "$(fetch_metric floe_kafka_requests_seconds_sum)")
floe_hot_cpu=$(awk -v a="$floe_h0" -v b="$(cpu "$FLOE_PID")" 'BEGIN{printf "%.1f", b-a}')
machine_hot_cpu=$(awk -v a="$machine_h0" -v b="$(machine_cpu)" 'BEGIN{printf "%.1f", b-a}')
thread_ticks "$FLOE_PID" > "$WORK/threads-after"
hot_threads=$(thread_cpu_diff "$WORK/threads-before" "$WORK/threads-after" | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')

# 4. Produce while uploads run: a tiered topic whose segments go to the bucket as they seal (pass every 200 ms).
log "producing $RECORDS records to 'live' (tiered) while its sealed segments upload"
up0=$(metric floe_tier_uploaded_bytes_total)
produce live 1000 true
live_produce_mbs=$produce_mbs
up1=$(metric floe_tier_uploaded_bytes_total)
uploaded_during=$(( up1 - up0 ))
log "uploaded $uploaded_during bytes while producing to 'live'"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
{
  echo "Run: \`RECORDS=$RECORDS bench/tiered.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d): $PARTITIONS partitions, $SIZE-byte records, segment.bytes=$SEGMENT_BYTES, object storage: $STORE_DESC; warm-up cold read first (WARM): $WARM."
  echo
  echo "| measure | value | ratio |"
  echo "|---|---|---|"
  if [ "$BACKEND" = s3 ]; then
  echo "| plain SDK client: sequential PUT of $SEGMENT_BYTES-byte objects | $base_put MB/s | |"
  echo "| plain SDK client: sequential ranged GETs, 1 MiB / 8 MiB | $base_get1 / $base_get8 MB/s | |"
  fi
  echo "| Floe upload (sealed segments to the bucket, catch-up after restart) | $upload_mbs MB/s | $(ratio "$upload_mbs" "${base_put:-0}") of plain PUT |"
  echo "| catch-up read, hot (local segments) | $hot_mbs MB/s | |"
  echo "| catch-up read, cold (from the bucket) | $cold_mbs MB/s | $(ratio "$cold_mbs" "$hot_mbs") of hot, $(ratio "$cold_mbs" "${base_get1:-0}") / $(ratio "$cold_mbs" "${base_get8:-0}") of plain 1 / 8 MiB GET |"
  echo "| produce, no tiering | $hot_produce_mbs MB/s | |"
  echo "| produce while its segments upload ($uploaded_during bytes uploaded meanwhile) | $live_produce_mbs MB/s | $(ratio "$live_produce_mbs" "$hot_produce_mbs") of no tiering |"
  echo "| bytes read from the bucket during the cold read | $remote_read | |"
  echo "| read-ahead cache hits / misses | $hits / $misses | |"
  echo "| of the hits, waits for a chunk still in flight: count, total seconds | $waits, $waited | |"
  echo "| ranged GETs during the run: count, total seconds | $gets, $get_secs | |"
  echo "| CPU seconds during the cold read: broker / object store / consumer / whole machine | $floe_cold_cpu / $s3_cold_cpu / $consumer_cold_cpu / $machine_cold_cpu | |"
  echo "| CPU seconds during the hot read: broker / consumer / whole machine | $floe_hot_cpu / $consumer_hot_cpu / $machine_hot_cpu | |"
  echo "| Fetch requests during the cold / hot read, time in the broker | $cold_fetches / $hot_fetches | |"
  echo "| broker threads during the cold read, CPU seconds | $cold_threads | |"
  echo "| broker threads during the hot read, CPU seconds | $hot_threads | |"
} | tee "$OUT"
