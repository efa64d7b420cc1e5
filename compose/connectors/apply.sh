#!/bin/sh
# Submits every connector file in this directory to a Connect worker, the way
# a user would with curl. Run by compose's one-shot `connectors` service;
# safe to re-run: a connector that already exists (409) is left as it is.
#
# The files are written for `retailpulse up` on one machine, where Redis is
# localhost:6379; inside compose the stores are reached by service name, so
# that one address is rewritten on the way. Cassandra and HBase only exist
# under compose, and their files name the compose services already.
#
#   CONNECT_URL    the worker (default http://connect:8083)
#   CONNECTOR_DIR  where the *.json files are (default: this script's directory)
#   REDIS_HOSTS    Redis for the hot tier (default redis:6379)
set -eu

url=${CONNECT_URL:-http://connect:8083}
dir=${CONNECTOR_DIR:-$(dirname "$0")}
redis=${REDIS_HOSTS:-redis:6379}

# The worker may still be joining its group: wait for /health to say so.
tries=0
until curl -fsS -o /dev/null "$url/health"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "connect at $url not healthy after 60 s" >&2
    exit 1
  fi
  sleep 1
done

status=0
for f in "$dir"/*.json; do
  code=$(sed "s/\"localhost:6379\"/\"$redis\"/" "$f" |
    curl -sS -o /tmp/apply-response -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @- "$url/connectors")
  case $code in
    201) echo "created connector from $(basename "$f")" ;;
    409) echo "connector from $(basename "$f") already exists" ;;
    *)
      echo "creating connector from $(basename "$f"): HTTP $code: $(cat /tmp/apply-response)" >&2
      status=1
      ;;
  esac
done
exit $status
