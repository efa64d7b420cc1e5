#!/usr/bin/env bash
# Throughput and window-output latency of the aggregator (sidecars/aggregator)
# with exactly-once on the embedded broker, which runs in the same process and
# shares its cores, as under `retailpulse up`.
#
# Throughput: BENCHTIME events (a shopper clickstream over AGG_BENCH_USERS
# users and AGG_BENCH_SPAN_S seconds of event time) are produced first; the
# clock runs from starting the aggregator until its group has committed the
# last input offset. Reports events/s, CPU cores used, CPU µs per event,
# output records per event and commit duration.
#
# Latency: live events (event time = wall time) at AGG_BENCH_RATE per second
# for AGG_BENCH_LIVE_S seconds through 5 s windows with 1 s grace; for each
# aggregate, arrival at a read_committed consumer minus window end + grace.
#
#   scripts/bench/aggregator.sh                       # 400000 events, 3 runs
#   BENCHTIME=1000000x COUNT=5 scripts/bench/aggregator.sh
#   BENCH=WindowLatency AGG_BENCH_RATE=50000 scripts/bench/aggregator.sh
#   AGG_BENCH_CPUPROFILE=/tmp/agg.pprof BENCH=AggregatorThroughput COUNT=1 scripts/bench/aggregator.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

benchtime="${BENCHTIME:-400000x}"
count="${COUNT:-3}"
bench="${BENCH:-.}"

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores $(go env GOOS)/$(go env GOARCH) $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# AGG_BENCH_USERS=${AGG_BENCH_USERS:-20000} AGG_BENCH_SPAN_S=${AGG_BENCH_SPAN_S:-600} AGG_BENCH_COMMIT_MS=${AGG_BENCH_COMMIT_MS:-100} AGG_BENCH_RATE=${AGG_BENCH_RATE:-20000} AGG_BENCH_LIVE_S=${AGG_BENCH_LIVE_S:-20}"
if [[ "$bench" == "." || "$bench" == *Throughput* ]]; then
  echo "# go test -run '^\$' -bench 'AggregatorThroughput' -benchtime ${benchtime} -count ${count} ./sidecars/aggregator/"
  # The harness's librdkafka clients log to stderr; the results are on stdout.
  go test -run '^$' -bench 'AggregatorThroughput' -benchtime "${benchtime}" -count "${count}" ./sidecars/aggregator/
fi
if [[ "$bench" == "." || "$bench" == *Latency* ]]; then
  echo "# go test -run '^\$' -bench 'WindowLatency' -benchtime 1x -count ${count} ./sidecars/aggregator/"
  go test -run '^$' -bench 'WindowLatency' -benchtime 1x -count "${count}" ./sidecars/aggregator/
fi
