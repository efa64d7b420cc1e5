#!/usr/bin/env bash
# Benchmarks of the ingest path: the load generator (sidecars/loadgen) drives
# the REST proxy, which runs with the embedded broker, the real schema
# registry and the built-in edge rules in a second process, as under `up`.
# Both share this machine's cores. Results go to BENCHMARKS.md. Each run
# reports steal-% and calib-ms (a fixed piece of CPU work timed around it):
# on a VM the same binary can measure twice as fast from one hour to the
# next, so compare runs only at similar values.
#
#   scripts/bench/restproxy.sh            # all
#   scripts/bench/restproxy.sh Batched    # a subset (go test -bench regexp)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CGO_ENABLED=1

echo "==> $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)"
pattern=${1:-.}
run() { go test ./sidecars/loadgen/ -run '^$' -bench "$1" -benchtime "$2" -count 1 -timeout 20m | grep -E '^(Benchmark|ok|FAIL)'; }

# Batched: 500 UserEvents per request, 24 connections, as fast as possible.
[[ Batched =~ $pattern || $pattern == . ]] && run 'BatchedV2$|BatchedV3$' 2000x
# Single-event requests from 128 connections, as fast as possible.
[[ SingleV2 =~ $pattern || $pattern == . ]] && run 'SingleV2$' 300000x
# Exactly 20 000 single-event requests/s offered for 15 s: p99 from due time.
[[ SingleV2At20k =~ $pattern || $pattern == . ]] && run 'SingleV2At20k$' 1x
exit 0
