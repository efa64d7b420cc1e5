package redis

import (
	"slices"
	"strconv"
	"strings"
)

// maxCallEntries bounds the records of one script call. Redis serves no
// one else while a script runs, so a call must stay short for the readers
// of the hot tier: 32 records of the default layout take well under a
// millisecond, while the cost of entering the script, a few microseconds,
// is already spread thin.
const maxCallEntries = 32

// call is the entries of a chunk that go into one script call.
type call struct{ entries []int }

// calls groups the entries of c into script calls. In Cluster mode a call's
// keys must share a hash slot, so entries are grouped by slot, keeping
// their order within a slot (a key's updates stay in record order).
func calls(c *chunk, cluster bool) []call {
	n := c.len()
	if !cluster {
		out := make([]call, 0, (n+maxCallEntries-1)/maxCallEntries)
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		for from := 0; from < n; from += maxCallEntries {
			out = append(out, call{entries: all[from:min(from+maxCallEntries, n)]})
		}
		return out
	}
	order := make([]int, n)
	slots := make([]uint16, n)
	for i := range order {
		order[i], slots[i] = i, keySlot(c.keys[i])
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(slots[a]) - int(slots[b]) })
	var out []call
	for from := 0; from < n; {
		to := from + 1
		for to < n && to-from < maxCallEntries && slots[order[to]] == slots[order[from]] {
			to++
		}
		out = append(out, call{entries: order[from:to]})
		from = to
	}
	return out
}

// argsOf builds the EVALSHA arguments of each call, in one slice the
// chunk keeps for reuse. Keys and ARGV are passed as *string, which
// go-redis writes as strings without boxing each one; the first key is a
// string, from which a cluster client routes the command.
func (c *chunk) argsOf(cls []call, sha string) [][]any {
	size := 0
	for _, cl := range cls {
		size += 3 + len(cl.entries)
		for _, e := range cl.entries {
			size += c.bounds[e+1] - c.bounds[e]
		}
	}
	c.call = slices.Grow(c.call[:0], size)
	out := make([][]any, len(cls))
	for n, cl := range cls {
		start := len(c.call)
		c.call = append(c.call, "evalsha", sha, strconv.Itoa(len(cl.entries)))
		for i, e := range cl.entries {
			if i == 0 {
				c.call = append(c.call, c.keys[e])
			} else {
				c.call = append(c.call, &c.keys[e])
			}
		}
		for _, e := range cl.entries {
			for a := c.bounds[e]; a < c.bounds[e+1]; a++ {
				c.call = append(c.call, &c.args[a])
			}
		}
		out[n] = c.call[start:len(c.call):len(c.call)]
	}
	return out
}

// keySlot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of the
// key, or of its hash tag, the text inside the first {...} when not empty.
func keySlot(key string) uint16 {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if end := strings.IndexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^key[i]]
	}
	return crc % 16384
}

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()
