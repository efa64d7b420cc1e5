package redis

import (
	goredis "github.com/redis/go-redis/v9"
)

// applyScript applies the updates of several records, each atomically and
// in order: KEYS[i] is the hash of record i, and ARGV holds each record's
// run of arguments one after the other (see mapping.encode).
//
// It returns one reply per record: 1 when applied, 0 when the stored
// watermark is not older (the record is skipped as a whole), or the text of
// the error Redis or the script raised for that record alone (WRONGTYPE, a
// counter that is not a number). A failed record writes nothing, and its
// neighbours are applied regardless.
//
// One call for many records matters: calling a script costs Redis more
// than the writes of a 23-field record, so a call per record made the
// script's entry the bottleneck. Within a record, each redis.call costs
// about a microsecond more, so an update makes three whatever its shape:
// one HMGET reads the watermark and the counters to increment, one HSET
// writes the fields, the watermark and the new counter sums (written over
// the deltas in ARGV), one EXPIRE or PERSIST. Sums stay exact below 2^53;
// float sums are written in the shortest text that reads back exactly.
var applyScript = goredis.NewScript(applyScriptSource)

const applyScriptSource = `
local tonumber, byte, format, tostring, unpack, rcall = tonumber, string.byte, string.format, tostring, unpack, redis.pcall
local function failed(r)
  if type(r) == 'table' and r.err then return r.err end
end
local function spread(cmd, key, from, to)
  for pos = from, to, 1000 do
    local e = failed(rcall(cmd, key, unpack(ARGV, pos, math.min(pos + 999, to))))
    if e then return e end
  end
end
local function notNumber(field)
  return 'ERR hash field ' .. field .. ' is not a number'
end
local function apply(key, p)
  local op = ARGV[p]
  if op == 'd' then
    return failed(rcall('DEL', key)) or 1, p + 1
  end
  local ttl, nset, nunset = ARGV[p + 1], tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
  local nincr = #op - 1
  local s0 = p + 4
  local c0 = s0 + 2 * nset
  local u0 = c0 + 2 * nincr
  local nextp = u0 + nunset
  local guarded = byte(op) == 119
  local read = {}
  if guarded then read[1] = ARGV[c0 - 2] end
  for j = 0, nincr - 1 do read[#read + 1] = ARGV[c0 + 2 * j] end
  local cur = {}
  if #read > 0 and #read <= 1000 then
    cur = rcall('HMGET', key, unpack(read))
    local e = failed(cur)
    if e then return e, nextp end
  elseif #read > 1000 then
    for pos = 1, #read, 1000 do
      local got = rcall('HMGET', key, unpack(read, pos, math.min(pos + 999, #read)))
      local e = failed(got)
      if e then return e, nextp end
      for j = 1, #got do cur[pos + j - 1] = got[j] end
    end
  end
  local off = 0
  if guarded then
    if cur[1] then
      local stored = tonumber(cur[1])
      if stored == nil then return notNumber(read[1]), nextp end
      if stored >= tonumber(ARGV[c0 - 1]) then return 0, nextp end
    end
    off = 1
  end
  for j = 0, nincr - 1 do
    local at = c0 + 2 * j
    local base, old = 0, cur[off + j + 1]
    if old then
      base = tonumber(old)
      if base == nil then return notNumber(ARGV[at]), nextp end
    end
    local sum = base + tonumber(ARGV[at + 1])
    local text
    if byte(op, j + 2) == 105 and sum == math.floor(sum) then
      text = format('%d', sum)
    else
      text = tostring(sum)
      if tonumber(text) ~= sum then text = format('%.17g', sum) end
    end
    ARGV[at + 1] = text
  end
  local e
  if u0 > s0 then e = spread('HSET', key, s0, u0 - 1) end
  if not e and nunset > 0 then e = spread('HDEL', key, u0, nextp - 1) end
  if e then return e, nextp end
  if ttl ~= '0' then e = failed(rcall('EXPIRE', key, ttl)) else e = failed(rcall('PERSIST', key)) end
  return e or 1, nextp
end
local out, p = {}, 1
for i = 1, #KEYS do
  out[i], p = apply(KEYS[i], p)
end
return out
`
