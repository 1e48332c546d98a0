#!/usr/bin/env bash
# Floe versus Apache Kafka on this machine, in one run: ProducerPerformance and ConsumerPerformance with 1 KB
# records against each broker in turn, same JVM heap, same client jars. Reports throughput, producer latency
# percentiles and broker CPU-seconds per GB, and the Floe/Kafka ratio of each. Loopback only.
#
#   bench/run.sh                 # 1M records per case (about 15 minutes on 2 cores)
#   RECORDS=200000 bench/run.sh  # quicker
#   RATE_CASES="4:all:20000" ...  # also produce at a fixed rate (records/s) and compare p99 and p99.9 latency
#                                 # (after WARM_RECORDS=100000 at that rate on another topic; 0 skips the warm-up)
#   CASES="" RATE_CASES=...       # only the fixed-rate cases
#   MANY_CASES="1000:100:100:60"  # partitions:producers:consumers:seconds, all clients in one JVM (bench/src/ManyClients.java)
#   TXN_CASES="1:100 1:1000"     # partitions:records-per-transaction, TXN_RECORDS records (bench/src/TxnProduce.java)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RECORDS=${RECORDS:-1000000}
SIZE=${SIZE:-1024}
CASES=${CASES-"1:1 1:all 4:1 4:all"}    # partitions:acks
RATE_CASES=${RATE_CASES:-}                # partitions:acks:records-per-second
MANY_CASES=${MANY_CASES:-}                # partitions:producers:consumers:seconds
TXN_CASES=${TXN_CASES-"1:100 1:1000"}     # partitions:records-per-transaction
TXN_RECORDS=${TXN_RECORDS:-200000}
OUT=${OUT:-$ROOT/bench/target/results.md}
WORK=$(mktemp -d /tmp/floe-bench.XXXXXX)
trap 'stop_broker; rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# One case: produce then consume; prints "prod_mbs p50 p99 prod_cpu_per_gb cons_mbs cons_cpu_per_gb".
run_case() {
  local broker=$1 partitions=$2 acks=$3 topic="bench-$2-$3"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "$topic" \
    --partitions "$partitions" --replication-factor 1 > /dev/null
  local c0 c1 c2 prod cons
  c0=$(cpu_seconds)
  prod=$(tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$RECORDS" \
    --record-size "$SIZE" --throughput -1 --producer-props bootstrap.servers=127.0.0.1:$PORT acks="$acks" \
    linger.ms=5 batch.size=131072 | tail -1)
  c1=$(cpu_seconds)
  cons=$(tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:$PORT --topic "$topic" \
    --messages "$RECORDS" --timeout 60000 | tail -1)
  c2=$(cpu_seconds)
  local gb
  gb=$(awk -v n="$RECORDS" -v s="$SIZE" 'BEGIN{printf "%.4f", n*s/1e9}')
  # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, ..."
  local pmbs p50 p99
  pmbs=$(echo "$prod" | sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/')
  p50=$(echo "$prod" | sed -E 's/.* ([0-9]+) ms 50th.*/\1/')
  p99=$(echo "$prod" | sed -E 's/.* ([0-9]+) ms 99th.*/\1/')
  local cmbs
  cmbs=$(echo "$cons" | awk -F', *' '{print $4}')
  awk -v pm="$pmbs" -v p50="$p50" -v p99="$p99" -v c0="$c0" -v c1="$c1" -v c2="$c2" -v gb="$gb" -v cm="$cmbs" \
    'BEGIN{printf "%s %s %s %.2f %s %.2f\n", pm, p50, p99, (c1-c0)/gb, cm, (c2-c1)/gb}'
  log "$broker p=$partitions acks=$acks: produce ${pmbs} MB/s p50 ${p50} ms p99 ${p99} ms; consume ${cmbs} MB/s"
}

# A fixed-rate case: produce RECORDS at a moderate rate; prints "p50 p99 p999 achieved_mbs".
run_rate_case() {
  local broker=$1 partitions=$2 acks=$3 rate=$4 topic="rate-$2-$3-$4"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "$topic" \
    --partitions "$partitions" --replication-factor 1 > /dev/null
  local prod
  # A warm-up at the same rate on another topic first (WARM_RECORDS, 0 to skip): the first seconds of a cold broker
  # and client JVM (JIT, connections, metadata) otherwise set the whole tail of a 30 s run, for either broker.
  if [ "${WARM_RECORDS:-100000}" -gt 0 ]; then
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --create --topic "warm-$topic" \
      --partitions "$partitions" --replication-factor 1 > /dev/null
    tool org.apache.kafka.tools.ProducerPerformance --topic "warm-$topic" --num-records "${WARM_RECORDS:-100000}" \
      --record-size "$SIZE" --throughput "$rate" --producer-props bootstrap.servers=127.0.0.1:$PORT acks="$acks" \
      linger.ms=1 > /dev/null
  fi
  # The whole output is kept (a line per 5 s window with its max latency, to see when a stall happened) beside
  # the client JVM's GC log, so a tail can be put on the broker, the client or the machine.
  local trace="$(dirname "$OUT")/rate-$broker-$topic"
  prod=$(java -Xlog:gc:file="$trace.gc.log" -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null \
    org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$RECORDS" \
    --record-size "$SIZE" --throughput "$rate" --producer-props bootstrap.servers=127.0.0.1:$PORT acks="$acks" \
    linger.ms=1 | tee "$trace.log" | tail -1)
  local mbs p50 p99 p999
  mbs=$(echo "$prod" | sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/')
  p50=$(echo "$prod" | sed -E 's/.* ([0-9]+) ms 50th.*/\1/')
  p99=$(echo "$prod" | sed -E 's/.* ([0-9]+) ms 99th.*/\1/')
  p999=$(echo "$prod" | sed -E 's/.* ([0-9]+) ms 99.9th.*/\1/')
  log "$broker fixed rate p=$partitions acks=$acks $rate rec/s: ${mbs} MB/s p50 ${p50} ms p99 ${p99} ms p99.9 ${p999} ms"
  echo "$p50 $p99 $p999 $mbs"
}

# Many clients at once; prints "produce_mbs consume_mbs p50 p99 broker_cpu_s_per_gb".
run_many_case() {
  local broker=$1 partitions=$2 producers=$3 consumers=$4 seconds=$5 topic="many-$2-$3-$4"
  local c0 c1 out
  c0=$(cpu_seconds)
  out=$(java -Xmx2g -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null bench/src/ManyClients.java \
    127.0.0.1:$PORT "$topic" "$partitions" "$producers" "$consumers" "$seconds" "$SIZE" | tail -1)
  c1=$(cpu_seconds)
  read -r pm cm p50 p99 n <<< "$out"
  local gb
  gb=$(awk -v n="$n" -v s="$SIZE" 'BEGIN{printf "%.4f", n*s*2/1e9}')
  log "$broker many clients p=$partitions producers=$producers consumers=$consumers: produce $pm MB/s consume $cm MB/s p99 $p99 ms"
  awk -v pm="$pm" -v cm="$cm" -v p50="$p50" -v p99="$p99" -v c0="$c0" -v c1="$c1" -v gb="$gb" \
    'BEGIN{printf "%s %s %s %s %.2f\n", pm, cm, p50, p99, (gb > 0 ? (c1-c0)/gb : 0)}'
}

# Transactional produce with a read_committed consumer; prints "mbs txn_per_s commit_p50 commit_p99 e2e_p50 e2e_p99 cpu_s_per_gb".
run_txn_case() {
  local broker=$1 partitions=$2 txn=$3 topic="txn-$2-$3"
  local c0 c1 out
  c0=$(cpu_seconds)
  out=$(java -Xmx1g -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null bench/src/TxnProduce.java \
    127.0.0.1:$PORT "$topic" "$partitions" "$txn" "$TXN_RECORDS" "$SIZE" | tail -1)
  c1=$(cpu_seconds)
  read -r mbs tps c50 c99 e50 e99 <<< "$out"
  log "$broker transactions of $txn on $partitions partition(s): $mbs MB/s, $tps txn/s, commit p99 $c99 ms, e2e p99 $e99 ms"
  awk -v out="$out" -v c0="$c0" -v c1="$c1" -v gb="$(awk -v n="$TXN_RECORDS" -v s="$SIZE" 'BEGIN{printf "%.4f", n*s/1e9}')" \
    'BEGIN{printf "%s %.2f\n", out, (c1-c0)/gb}'
}

declare -A RESULT
for broker in floe kafka; do
  log "starting $broker"
  "start_$broker"
  for c in $CASES; do
    RESULT[$broker,$c]=$(run_case "$broker" "${c%%:*}" "${c##*:}")
  done
  for c in $RATE_CASES; do
    IFS=: read -r rp ra rr <<< "$c"
    RESULT[$broker,rate,$c]=$(run_rate_case "$broker" "$rp" "$ra" "$rr")
  done
  for c in $MANY_CASES; do
    IFS=: read -r mp mprod mcons msec <<< "$c"
    RESULT[$broker,many,$c]=$(run_many_case "$broker" "$mp" "$mprod" "$mcons" "$msec")
  done
  for c in $TXN_CASES; do
    RESULT[$broker,txn,$c]=$(run_txn_case "$broker" "${c%%:*}" "${c##*:}")
  done
  stop_broker
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
{
  echo "Run on $(nproc) cores, $(date -u +%Y-%m-%d), Apache Kafka ${KAFKA_VERSION:-4.3.1}, record size $SIZE bytes."
  if [ -n "$CASES" ]; then
    echo
    echo "\`RECORDS=$RECORDS\`, linger.ms=5, batch.size=128 KiB:"
    echo
    echo "| partitions | acks | produce MB/s Floe / Kafka (ratio) | p50 ms Floe / Kafka | p99 ms Floe / Kafka | broker CPU s/GB produce Floe / Kafka (ratio) | consume MB/s Floe / Kafka (ratio) | broker CPU s/GB consume Floe / Kafka (ratio) |"
    echo "|---|---|---|---|---|---|---|---|"
    for c in $CASES; do
      read -r fpm fp50 fp99 fpc fcm fcc <<< "${RESULT[floe,$c]}"
      read -r kpm kp50 kp99 kpc kcm kcc <<< "${RESULT[kafka,$c]}"
      echo "| ${c%%:*} | ${c##*:} | $fpm / $kpm ($(ratio "$fpm" "$kpm")) | $fp50 / $kp50 | $fp99 / $kp99 | $fpc / $kpc ($(ratio "$fpc" "$kpc")) | $fcm / $kcm ($(ratio "$fcm" "$kcm")) | $fcc / $kcc ($(ratio "$fcc" "$kcc")) |"
    done
  fi
  if [ -n "$RATE_CASES" ]; then
    echo
    echo "Fixed rate (linger.ms=1):"
    echo
    echo "| partitions | acks | records/s | achieved MB/s Floe / Kafka | p50 ms Floe / Kafka | p99 ms Floe / Kafka (ratio) | p99.9 ms Floe / Kafka (ratio) |"
    echo "|---|---|---|---|---|---|---|"
    for c in $RATE_CASES; do
      IFS=: read -r rp ra rr <<< "$c"
      read -r f50 f99 f999 fmbs <<< "${RESULT[floe,rate,$c]}"
      read -r k50 k99 k999 kmbs <<< "${RESULT[kafka,rate,$c]}"
      echo "| $rp | $ra | $rr | $fmbs / $kmbs | $f50 / $k50 | $f99 / $k99 ($(ratio "$f99" "$k99")) | $f999 / $k999 ($(ratio "$f999" "$k999")) |"
    done
  fi
  if [ -n "$MANY_CASES" ]; then
    echo
    echo "Many clients in one load-generator JVM (acks=all, linger.ms=5):"
    echo
    echo "| partitions | producers | consumers | seconds | produce MB/s Floe / Kafka (ratio) | consume MB/s Floe / Kafka (ratio) | p99 ms Floe / Kafka (ratio) | broker CPU s/GB Floe / Kafka (ratio) |"
    echo "|---|---|---|---|---|---|---|---|"
    for c in $MANY_CASES; do
      IFS=: read -r mp mprod mcons msec <<< "$c"
      read -r fpm fcm f50 f99 fcpu <<< "${RESULT[floe,many,$c]}"
      read -r kpm kcm k50 k99 kcpu <<< "${RESULT[kafka,many,$c]}"
      echo "| $mp | $mprod | $mcons | $msec | $fpm / $kpm ($(ratio "$fpm" "$kpm")) | $fcm / $kcm ($(ratio "$fcm" "$kcm")) | $f99 / $k99 ($(ratio "$f99" "$k99")) | $fcpu / $kcpu ($(ratio "$fcpu" "$kcpu")) |"
    done
  fi
  if [ -n "$TXN_CASES" ]; then
    echo
    echo "Transactional produce ($TXN_RECORDS records, linger.ms=5) with a read_committed consumer in the same JVM:"
    echo
    echo "| partitions | records per transaction | produce MB/s Floe / Kafka (ratio) | transactions/s Floe / Kafka | commit p99 ms Floe / Kafka (ratio) | end-to-end p50 ms Floe / Kafka | end-to-end p99 ms Floe / Kafka (ratio) | broker CPU s/GB Floe / Kafka (ratio) |"
    echo "|---|---|---|---|---|---|---|---|"
    for c in $TXN_CASES; do
      read -r fm ft fc50 fc99 fe50 fe99 fcpu <<< "${RESULT[floe,txn,$c]}"
      read -r km kt kc50 kc99 ke50 ke99 kcpu <<< "${RESULT[kafka,txn,$c]}"
      echo "| ${c%%:*} | ${c##*:} | $fm / $km ($(ratio "$fm" "$km")) | $ft / $kt | $fc99 / $kc99 ($(ratio "$fc99" "$kc99")) | $fe50 / $ke50 | $fe99 / $ke99 ($(ratio "$fe99" "$ke99")) | $fcpu / $kcpu ($(ratio "$fcpu" "$kcpu")) |"
    done
  fi
} | tee "$OUT"
log "results in $OUT"
