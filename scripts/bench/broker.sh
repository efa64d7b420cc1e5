#!/usr/bin/env bash
# Throughput of the embedded broker (sidecars/broker) driven by librdkafka with
# the product's client configs: idempotent acks=all lz4 producers and
# read_committed consumers, 200-byte values, 6 partitions; in memory, with a
# data directory, and (produce only) with an fsync per batch.
#
#   scripts/bench/broker.sh                    # 300000 records per run, 3 runs
#   BENCHTIME=1000000x COUNT=5 scripts/bench/broker.sh
#   BENCH=Produce/datadir scripts/bench/broker.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

benchtime="${BENCHTIME:-300000x}"
count="${COUNT:-3}"
bench="${BENCH:-.}"

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores $(go env GOOS)/$(go env GOARCH) $(go version | cut -d' ' -f3)"
echo "# go test -run '^\$' -bench '${bench}' -benchtime ${benchtime} -count ${count} ./sidecars/broker/"
# librdkafka logs to stderr; the results are on stdout.
go test -run '^$' -bench "${bench}" -benchtime "${benchtime}" -count "${count}" ./sidecars/broker/
