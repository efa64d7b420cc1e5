package hbase

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
)

// noGuard is the guard value of a row that has never seen the partition:
// every offset is still to apply.
const noGuard = int64(-1)

// OffsetQualifier is the column, in offset.column.family, holding the next
// offset of a topic partition to apply to a row (8-byte big-endian; the
// Kafka convention of a committed offset).
func OffsetQualifier(topic string, partition int32) string {
	return "o:" + topic + ":" + strconv.FormatInt(int64(partition), 10)
}

func encodeGuard(next int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(next)) }

func decodeGuard(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: %d bytes, want 8", ErrCorruptGuard, len(b))
	}
	n := int64(binary.BigEndian.Uint64(b))
	if n < 0 {
		return 0, fmt.Errorf("%w: negative offset %d", ErrCorruptGuard, n)
	}
	return n, nil
}

type guardKey struct {
	table, row string
	topic      string
	partition  int32
}

// guardCache remembers guard values this task read or wrote, to send the
// conditional increment without reading first. It is only an
// optimisation: guards only grow, so a cached value is at most the true
// one, and a stale value fails the condition and is re-read.
type guardCache struct {
	mu  sync.Mutex
	m   map[guardKey]int64
	max int
}

func newGuardCache(max int) *guardCache { return &guardCache{m: map[guardKey]int64{}, max: max} }

func (c *guardCache) get(k guardKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *guardCache) set(k guardKey, v int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.m[k]; ok && cur >= v {
		return
	}
	if len(c.m) >= c.max {
		// Dropping everything is cheap and correct: misses are re-read.
		c.m = map[guardKey]int64{}
	}
	c.m[k] = v
}

func (c *guardCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[guardKey]int64{}
}
