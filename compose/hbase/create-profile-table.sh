#!/usr/bin/env bash
# Creates the cold-tier profile table that the HBase sink fills from profile-updates
# (compose/connectors/hbase-sink.json, connectors/hbase ProfileConfig). Idempotent: an existing table is
# left as it is. Run it where the hbase shell works, e.g.
#
#   docker compose -f compose/docker-compose.yml exec hbase bash /compose/hbase/create-profile-table.sh
#
# Layout of user_profiles:
#   row key   <salt>#<user_id>; salt = two lowercase hex digits of FNV-1a-32(user_id) mod 16, so ids
#             spread over the 16 regions pre-split below (connectors/hbase ProfileRowKey computes it)
#   c         counters, 8-byte big-endian longs: category_views.<category>, category_purchases.<category>,
#             spend_minor, purchase_count, price_view_sum_minor, price_view_count (HBase Increments)
#   p         attributes: last_seen (8-byte epoch ms, the maximum: written at itself as cell timestamp),
#             last_category (UTF-8, replaced; a null update keeps it), window_end (8-byte epoch ms)
#   m         offset guards o:<topic>:<partition> = next Kafka offset applied to the row, which makes the
#             increments exactly-once; never write or delete them by hand while the sink runs
# One version per cell everywhere: counters and guards need no history, the newest value is the profile.
set -euo pipefail

HBASE_SHELL=${HBASE_SHELL:-hbase shell -n}

$HBASE_SHELL <<'RUBY'
table = 'user_profiles'
if list.include?(table)
  puts "#{table} exists; leaving it as it is"
else
  create table,
    {NAME => 'c', VERSIONS => 1, BLOOMFILTER => 'ROW'},
    {NAME => 'p', VERSIONS => 1, BLOOMFILTER => 'ROW'},
    {NAME => 'm', VERSIONS => 1, BLOOMFILTER => 'ROW', IN_MEMORY => 'true'},
    SPLITS => ['01', '02', '03', '04', '05', '06', '07', '08', '09', '0a', '0b', '0c', '0d', '0e', '0f']
  puts "created #{table}"
end
describe table
RUBY
