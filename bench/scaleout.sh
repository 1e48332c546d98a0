#!/usr/bin/env bash
# Scale-out benchmark (issue 12, "Speed"): a new broker's share of a tiered 12-partition RF-2 topic on Floe (scale
# the Cluster 2 -> 3, the balancer moves partitions) beside the same moves on Apache Kafka (KRaft, Maven Central
# jars, no tiering) done with a partition reassignment and a preferred leader election. Seconds until the new broker
# leads its share and serves a fetch, and bytes it copied. Runs e2e's ScaleOutBench (the e2e harness: fabric8 mock
# API server, packaged operator and brokers, loopback only). Writes e2e/target/scaleout-bench.md.
#
#   bench/scaleout.sh                                      # 1024 MB of 1 KiB records, 2 MiB segments
#   bench/scaleout.sh -Dfloe.bench.mb=300 -Dfloe.bench.segment-mib=2
# Kafka side: kafka-reassign-partitions.sh --execute and kafka-leader-election.sh, run as processes
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl broker,operator -am install -DskipTests -Djib.skip
./mvnw -B -pl e2e verify -Dit.test=ScaleOutBench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@"
cat e2e/target/scaleout-bench.md
