# Shared by the bench scripts (run.sh, cleaner.sh): fetch Apache Kafka's jars, build Floe if needed, start and stop
# one broker at a time on loopback port $PORT with the same heap, and read its CPU time. Source it after setting
# ROOT (the repository) and WORK (a scratch directory the caller removes); define a trap calling stop_broker.
#
# Hooks (all optional):
#   HEAP         JVM heap of either broker (default -Xmx1G -Xms1G)
#   FLOE_ENV     extra VAR=value words for the Floe process (e.g. "FLOE_LOG_CLEANER_BACKOFF_MS=1000")
#   KAFKA_PROPS  extra lines for Kafka's server.properties
#   KAFKA_LOG4J  log4j 1.x configuration file for the Kafka broker (default /dev/null: no logging)
#   KAFKA_CP     classpath of the Kafka broker (default $LIB/*)

LIB=${LIB:-$ROOT/bench/target/lib}
HEAP=${HEAP:--Xmx1G -Xms1G}
TICKS=$(getconf CLK_TCK)
BROKER_PID=
PORT=${PORT:-19192}
FLOE_HTTP_PORT=${FLOE_HTTP_PORT:-18180}

log() { echo "[bench] $*" >&2; }

if [ ! -d "$LIB" ]; then
  log "fetching Apache Kafka jars from Maven Central"
  ./mvnw -B -q -f bench/pom.xml dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime
fi
if [ ! -f broker/target/quarkus-app/quarkus-run.jar ]; then
  log "building the Floe broker"
  ./mvnw -B -q -pl broker -am package -DskipTests
fi

stop_broker() {
  if [ -n "${BROKER_PID:-}" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
  fi
  BROKER_PID=
}

wait_port() {
  for _ in $(seq 1 120); do
    (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
    sleep 0.5
  done
  log "broker did not open port $PORT"; return 1
}

start_floe() {
  mkdir -p "$WORK/floe"
  # shellcheck disable=SC2086 # FLOE_ENV is a list of words on purpose
  env FLOE_DATA_DIR="$WORK/floe" FLOE_KAFKA_PORT=$PORT FLOE_HTTP_PORT=$FLOE_HTTP_PORT FLOE_ADVERTISED_HOST=127.0.0.1 \
    ${FLOE_ENV:-} java $HEAP -jar broker/target/quarkus-app/quarkus-run.jar > "$WORK/floe.log" 2>&1 &
  BROKER_PID=$!
  wait_port
}

start_kafka() {
  mkdir -p "$WORK/kafka"
  cat > "$WORK/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:19193
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:19193
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$WORK/kafka
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
${KAFKA_PROPS:-}
PROPS
  java -cp "$LIB/*" kafka.tools.StorageTool format -t "$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
    -c "$WORK/kafka.properties" --standalone > "$WORK/kafka-format.log" 2>&1
  java $HEAP -cp "${KAFKA_CP:-$LIB/*}" -Dlog4j.configuration=file:"${KAFKA_LOG4J:-/dev/null}" kafka.Kafka "$WORK/kafka.properties" \
    > "$WORK/kafka.log" 2>&1 &
  BROKER_PID=$!
  wait_port
}

cpu_seconds() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$BROKER_PID/stat"; }
tool() { java -cp "$LIB/*" -Dlog4j.configuration=file:/dev/null "$@"; }
