#!/usr/bin/env bash
# Runs every retailpulse test on a fresh Debian machine: installs what the tests
# need when it is missing (apt packages; CI runs as root), then gofmt, go vet
# and go test over the whole module. A missing dependency that cannot be
# installed is a failure with a message, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

# Debian packages the tests use, and why:
#   kcat                  the up end-to-end check lists topics like a user would
#   python3-confluent-kafka, python3-avro, python3-requests
#                         a real third-party Confluent client and Avro library
#                         (registry interop, serde cross-checks, compat oracle)
#   docker-compose        validates compose/docker-compose.yml (no Docker engine needed)
#   zookeeper             real ZooKeeper in front of the HBase test double, for gohbase
#   redis-server          the real hot tier for RedisSink's tests
#   prometheus            promtool: checks compose's Prometheus config and unit-tests its alert rules
APT_PACKAGES=(kcat python3-confluent-kafka python3-avro python3-requests docker-compose zookeeper redis-server prometheus)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install: ${missing[*]}"
    SUDO=sudo
  else
    SUDO=
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi
/usr/bin/python3 -c 'import confluent_kafka.avro, avro.schema' || die "python3-confluent-kafka/python3-avro not importable by /usr/bin/python3"
command -v kcat >/dev/null || die "kcat not on PATH after install"
[[ -f /usr/share/java/zookeeper.jar ]] && command -v java >/dev/null || die "zookeeper.jar or java missing after install"
command -v redis-server >/dev/null || die "redis-server not on PATH after install"
command -v promtool >/dev/null || die "promtool not on PATH after install (Debian package prometheus)"

command -v go >/dev/null || { [[ -x /usr/local/go/bin/go ]] && export PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || die "go toolchain not found (expected on PATH or /usr/local/go/bin)"
command -v gcc >/dev/null || die "gcc not found: confluent-kafka-go (librdkafka) needs cgo"
export CGO_ENABLED=1

log "go $(go env GOVERSION), $(nproc) cores"
log "downloading modules"
go mod download

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './data/*'))
[[ -z "$unformatted" ]] || die "gofmt would change: $unformatted"

log "go vet"
go vet ./...

log "go test"
# -count=1: never trust a cached result in CI. The timeout bounds a hung test;
# the whole suite is meant to finish well inside it.
go test -count=1 -timeout 15m "$@" ./...
