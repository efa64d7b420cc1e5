package redis

import (
	goredis "github.com/redis/go-redis/v9"
)

// applyScript is the whole update of one record, atomic on the server.
//
//	KEYS[1]  the hash
//	ARGV[1]  watermark field ("" for none)   ARGV[2] watermark
//	ARGV[3]  ttl seconds (0: persist)         ARGV[4..6] #set pairs, #unset fields, #incr triples
//	then the set pairs (the watermark pair last), the unset fields and the
//	incr triples (field, delta, i|f)
//
// It returns 1 when applied and 0 when the stored watermark is not older.
//
// Each redis.call costs several microseconds, so the script makes as few as
// it can whatever the record: one HMGET reads the watermark and the
// counters to increment, one HSET writes features and watermark straight
// from ARGV, one HSET writes the new counter sums, one EXPIRE. Sums stay
// exact below 2^53; float sums are written in the shortest text that reads
// back exactly.
var applyScript = goredis.NewScript(`
local key = KEYS[1]
local wmf, wm = ARGV[1], ARGV[2]
local nset, nunset, nincr = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local u0 = 7 + 2 * nset
local i0 = u0 + nunset
local read = {}
if wmf ~= '' then read[1] = wmf end
for j = 0, nincr - 1 do read[#read + 1] = ARGV[i0 + 3 * j] end
local cur = {}
if #read > 0 then cur = redis.call('HMGET', key, unpack(read)) end
local off = 0
if wmf ~= '' then
  if cur[1] and tonumber(cur[1]) >= tonumber(wm) then return 0 end
  off = 1
end
local function spread(cmd, from, to)
  for pos = from, to, 1000 do
    redis.call(cmd, key, unpack(ARGV, pos, math.min(pos + 999, to)))
  end
end
if nset > 0 then spread('HSET', 7, u0 - 1) end
if nunset > 0 then spread('HDEL', u0, i0 - 1) end
if nincr > 0 then
  local sums = {}
  for j = 0, nincr - 1 do
    local f, old = ARGV[i0 + 3 * j], cur[off + j + 1]
    local base = 0
    if old then
      base = tonumber(old)
      if base == nil then return redis.error_reply('ERR hash field ' .. f .. ' is not a number') end
    end
    local sum = base + tonumber(ARGV[i0 + 3 * j + 1])
    local text
    if ARGV[i0 + 3 * j + 2] == 'i' and sum == math.floor(sum) then
      text = string.format('%d', sum)
    else
      text = tostring(sum)
      if tonumber(text) ~= sum then text = string.format('%.17g', sum) end
    end
    sums[2 * j + 1] = f
    sums[2 * j + 2] = text
  end
  redis.call('HSET', key, unpack(sums))
end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
return 1
`)

// argv boxes args for go-redis without an allocation per argument: a
// *string is pointer-shaped, and go-redis writes it like a string.
func argv(args []string) []any {
	out := make([]any, len(args))
	for i := range args {
		out[i] = &args[i]
	}
	return out
}
