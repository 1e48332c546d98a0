#!/usr/bin/env bash
# Replication benchmark (issue 11): RF-3 acks=all produce on three operated Floe brokers beside three Apache Kafka
# brokers (KRaft, Maven Central jars) in the same run, then the failover time over 10 SIGKILLs of a leader.
# Runs e2e's ReplicationBench (the e2e harness: fabric8 mock API server, packaged operator and brokers, loopback
# only). Writes e2e/target/replication-bench.md.
#
#   bench/replication.sh                                   # 300k records of 1 KiB, 10 kills
#   bench/replication.sh -Dfloe.bench.records=100000 -Dfloe.bench.kills=3
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl broker,operator -am install -DskipTests -Djib.skip
./mvnw -B -pl e2e verify -Dit.test=ReplicationBench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@"
cat e2e/target/replication-bench.md
